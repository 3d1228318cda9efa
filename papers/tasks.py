"""Celery tasks: thin wrappers that take ids and call papers.refresh; they hold retry policy."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from papers import refresh
from papers.models import RefreshJob

logger = logging.getLogger(__name__)
BROKER_DOWN = "the task queue is unreachable; nothing was queued"


@shared_task(acks_late=True)  # redelivered if the worker dies; the job resumes from its checkpoint
def run_refresh_job_task(job_id: int) -> dict:
    """Run one RefreshJob (see papers.refresh.run_refresh_job); safe to run twice.

    No Celery-level retry: the NCBI client retries each request with backoff, and what still
    fails is recorded per identifier on the job rather than retried as a whole.
    """
    job = refresh.run_refresh_job(job_id=job_id)
    return {"job": job.pk, "status": job.status, "done": job.done, "total": job.total}


@shared_task(acks_late=True)
def refresh_all_papers() -> int:
    """Weekly (celery beat): queue one job refreshing every paper; return its id.

    The job is keyed by ISO week, so a redelivered or doubled beat message finds the week's job
    instead of starting a second full refresh; the work itself runs in run_refresh_job_task.
    """
    year, week, _ = timezone.now().isocalendar()
    key = f"{year}-W{week:02d}"
    with transaction.atomic():
        job = RefreshJob.objects.filter(
            kind=RefreshJob.Kind.REFRESH_ALL, identifiers__scheduled_for=key
        ).first()
        if job is None:
            job = refresh.create_job(
                kind=RefreshJob.Kind.REFRESH_ALL,
                trigger=RefreshJob.Trigger.SCHEDULE,
                refresh_all=True,
                scheduled_for=key,
            )
            enqueue_job(job)
    return job.pk


def enqueue_job(job: RefreshJob) -> None:
    """Queue the job once the current transaction commits (so the worker can see the row).

    If the broker cannot be reached the job is marked failed with a clear reason instead of
    vanishing; the caller sees that on the job row.
    """
    transaction.on_commit(lambda: _send(job.pk))


def _send(job_id: int) -> None:
    try:
        result = run_refresh_job_task.apply_async(args=[job_id], queue=settings.REFRESH_QUEUE)
    except (BrokerError, ConnectionError, OSError) as exc:
        logger.error("refresh job %s not queued: %s", job_id, exc)
        RefreshJob.objects.filter(pk=job_id).update(
            status=RefreshJob.Status.FAILED, errors={"_queue": f"{BROKER_DOWN} ({exc})"}
        )
        return
    RefreshJob.objects.filter(pk=job_id).update(celery_task_id=result.id)
