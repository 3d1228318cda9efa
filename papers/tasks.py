"""Celery tasks: thin wrappers that take ids and call papers.refresh; they hold retry policy."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django import db
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from papers import refresh
from papers.models import RefreshJob

logger = logging.getLogger(__name__)
BROKER_DOWN = "the task queue is unreachable; nothing was queued"


# Retries of a job whose database connection dropped (pg_terminate_backend, a failover, a
# restart): 1, 2, 4, 8, 16, 32 s apart, about a minute in all, then the job is marked failed.
INFRASTRUCTURE_RETRIES = 6


# acks_late: redelivered if the worker dies; the job resumes from its checkpoint.
@shared_task(bind=True, acks_late=True, max_retries=INFRASTRUCTURE_RETRIES)
def run_refresh_job_task(self, job_id: int) -> dict:
    """Run one RefreshJob (see papers.refresh.run_refresh_job); safe to run twice.

    What fails at NCBI is retried per request by the client, and what still fails is recorded
    per identifier. What fails in our own infrastructure (the database connection) is retried
    here, as a whole job resumed from its checkpoint: the batches already stored are skipped.
    """
    try:
        job = refresh.run_refresh_job(job_id=job_id)
    except refresh.TRANSIENT_INFRASTRUCTURE_ERRORS as exc:
        db.close_old_connections()  # drop the broken connection; the retry opens a new one
        if self.request.retries >= INFRASTRUCTURE_RETRIES:
            refresh.fail_job(job_id=job_id, exc=exc)
            raise
        logger.warning("refresh job %s: %s; retrying it from its checkpoint", job_id, exc)
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    return {"job": job.pk, "status": job.status, "done": job.done, "total": job.total}


@shared_task(acks_late=True)
def refresh_all_papers() -> int:
    """Weekly (celery beat): queue one job refreshing every paper; return its id.

    The job is keyed by ISO week in a unique column, so a redelivered or doubled beat message
    finds the week's job instead of starting a second full refresh, even when two messages run
    at the same moment (the second insert waits on the first and then loses); the work itself
    runs in run_refresh_job_task.
    """
    year, week, _ = timezone.now().isocalendar()
    key = f"{year}-W{week:02d}"
    job = RefreshJob.objects.filter(schedule_key=key).first()
    if job is not None:
        return job.pk
    try:
        with transaction.atomic():
            job = refresh.create_job(
                kind=RefreshJob.Kind.REFRESH_ALL,
                trigger=RefreshJob.Trigger.SCHEDULE,
                refresh_all=True,
                scheduled_for=key,
            )
            enqueue_job(job)  # sent only if this insert commits
    except IntegrityError:
        job = RefreshJob.objects.get(schedule_key=key)
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


def requeue_stale_jobs(*, older_than: timedelta) -> list[int]:
    """Send again every job still "queued" after ``older_than``; return their ids.

    A job can wait forever when its message is gone: Redis restarted without its data, or
    was flushed, after the job was queued. Sending it again is safe whether or not the first
    message still exists, since a job runs from its checkpoint and a finished one never runs
    again. A job whose sending fails is marked failed with the broker-down reason, as ever.
    """
    cutoff = timezone.now() - older_than
    stale = list(
        RefreshJob.objects.filter(status=RefreshJob.Status.QUEUED, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for job_id in stale:
        _send(job_id)
    return stale
