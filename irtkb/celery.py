"""The Celery app, wired as Celery's Django guide shows."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

from irtkb import heartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irtkb.settings")

app = Celery("irtkb")
# Every CELERY_* setting in irtkb/settings.py configures this app.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Releases keep their task beside them (papers/releases/tasks.py), not in papers/tasks.py.
app.autodiscover_tasks(["papers.releases", "papers.intake", "papers.related"])


@worker_ready.connect
def _start_heartbeat(sender, **kwargs) -> None:
    # In the worker's main process, once its pool is up (irtkb/heartbeat.py; read by /healthz).
    from django.conf import settings

    heartbeat.start(settings.REDIS_URL, sender.hostname)


@worker_shutdown.connect
def _stop_heartbeat(sender, **kwargs) -> None:
    # A worker stopped cleanly leaves no heartbeat behind to look alive for its TTL.
    from django.conf import settings

    heartbeat.forget(settings.REDIS_URL, sender.hostname)
