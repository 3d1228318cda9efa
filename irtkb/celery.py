"""The Celery app, wired as Celery's Django guide shows."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irtkb.settings")

app = Celery("irtkb")
# Every CELERY_* setting in irtkb/settings.py configures this app.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Releases keep their task beside them (papers/releases/tasks.py), not in papers/tasks.py.
app.autodiscover_tasks(["papers.releases", "papers.intake", "papers.related"])
