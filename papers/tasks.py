"""Celery tasks: thin wrappers that take ids and call papers.refresh; they hold retry policy.

A job fans out over three queues (docs/pipeline.md): run_refresh_job_task plans it on
REFRESH_QUEUE and sends one fetch_batch_task per batch to the fetch queue; each fetch sends
its replies on to store_batch_task on the store queue. Run one worker on all three
(`make run`), or as many per queue on as many machines as the load needs.
"""

from __future__ import annotations

import base64
import logging
import zlib
from datetime import timedelta

from celery import shared_task, uuid
from django import db
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from irtkb.queues import fetch_queue_name, store_queue_name
from papers import refresh, refresh_batches
from papers.models import RefreshBatch, RefreshJob
from papers.pubmed import FetchedXml, fetch_batch_xml, read_fetched_xml

logger = logging.getLogger(__name__)
BROKER_DOWN = "the task queue is unreachable; nothing was queued"


# Retries of a step whose database connection dropped (pg_terminate_backend, a failover, a
# restart) or whose Redis blinked: 1, 2, 4, 8, 16, 32 s apart, about a minute in all; then the
# job (planning) or the batch (storing) is marked failed, its PMIDs kept to retry.
INFRASTRUCTURE_RETRIES = 6
# Retries of a batch whose whole efetch still failed after the transport's own retries (NCBI
# down for minutes, the rate limiter's Redis gone): 30 s, 1, 2, 4 min apart (FETCH_RETRY_SECONDS
# doubled), then its PMIDs
# are recorded as failed and kept for "retry failed" and the next refresh.
FETCH_RETRIES = 4


def fetch_queue() -> str:
    """The queue of E-utilities fetches (rate-limited, waiting on the network)."""
    return fetch_queue_name(settings.REFRESH_QUEUE, settings.PUBMED_FETCH_QUEUE)


def store_queue() -> str:
    """The queue of batch stores (CPU and PostgreSQL), so a slow NCBI never idles them."""
    return store_queue_name(settings.REFRESH_QUEUE, settings.STORE_QUEUE)


# acks_late (settings): a message is acknowledged when its step is done, so a killed worker's
# step is redelivered; each step is short (planning, one batch's fetch, one batch's store).
@shared_task(bind=True, acks_late=True, max_retries=INFRASTRUCTURE_RETRIES)
def run_refresh_job_task(self, job_id: int) -> dict:
    """Plan one RefreshJob (papers.refresh.start_job), then hand each open batch to the fetch
    queue, where any number of workers take them; safe to run twice.
    """
    try:
        job = refresh.start_job(job_id=job_id)
    except refresh.TRANSIENT_INFRASTRUCTURE_ERRORS as exc:
        db.close_old_connections()  # drop the broken connection; the retry opens a new one
        if self.request.retries >= INFRASTRUCTURE_RETRIES:
            refresh.fail_job(job_id=job_id, exc=exc)
            raise
        logger.warning("planning refresh job %s: %s; retrying it", job_id, exc)
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    if job is None:
        return {"job": job_id, "status": "finished already"}
    sent = 0 if job.is_finished else dispatch_batches(job_id=job_id)
    return {"job": job.pk, "status": job.status, "batches_sent": sent}


def dispatch_batches(*, job_id: int, stale_before=None) -> int:
    """Send a fetch message for each of the job's batches still planned (or, with
    ``stale_before``, also those running since before then); return how many were sent.

    Each message gets a fresh task id, written on the batch before it is sent: only that
    message (or its redelivery) may then run the batch, so a second dispatch never makes two
    workers fetch one batch at once.
    """
    batches = RefreshBatch.objects.filter(job_id=job_id, status=RefreshBatch.Status.PLANNED)
    if stale_before is not None:
        batches = RefreshBatch.objects.filter(job_id=job_id).filter(
            Q(status=RefreshBatch.Status.PLANNED)
            | Q(status=RefreshBatch.Status.RUNNING, started_at__lt=stale_before)
        )
    sent = 0
    for batch_id, status in batches.order_by("index").values_list("pk", "status"):
        task_id = uuid()
        if not RefreshBatch.objects.filter(pk=batch_id, status=status).update(task_id=task_id):
            continue  # taken or finished meanwhile
        fetch_batch_task.apply_async(args=(batch_id,), task_id=task_id, queue=fetch_queue())
        sent += 1
    return sent


@shared_task(bind=True, acks_late=True, max_retries=max(FETCH_RETRIES, INFRASTRUCTURE_RETRIES))
def fetch_batch_task(self, batch_id: int) -> str:
    """Fetch one batch from E-utilities and hand the replies to the store queue."""
    try:
        batch = refresh_batches.claim_batch(
            batch_id=batch_id, task_id=self.request.id or "", worker=self.request.hostname or ""
        )
        if batch is None:
            return "not ours"  # finished, or dispatched again to another message
        if batch.job.cancel_requested_at:
            refresh_batches.cancel_batch(batch_id=batch_id)
            return "cancelled"
    except refresh.TRANSIENT_INFRASTRUCTURE_ERRORS as exc:
        db.close_old_connections()
        logger.warning("taking batch %s: %s; retrying it", batch_id, exc)
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    fetched = fetch_batch_xml(pmids=batch.pmids)
    if fetched.retryable and self.request.retries < FETCH_RETRIES:
        logger.warning("fetching batch %s: %s; retrying it later", batch_id, fetched.reason)
        raise self.retry(countdown=settings.FETCH_RETRY_SECONDS * 2**self.request.retries)
    store_batch_task.apply_async(args=(batch_id, encode_fetched(fetched)), queue=store_queue())
    return "fetched"


@shared_task(bind=True, acks_late=True, max_retries=INFRASTRUCTURE_RETRIES)
def store_batch_task(self, batch_id: int, fetched: dict) -> str:
    """Read one fetched batch into records and store it (papers.refresh_batches.store_batch)."""
    records = read_fetched_xml(decode_fetched(fetched))
    try:
        job = refresh_batches.store_batch(batch_id=batch_id, fetched=records)
    except refresh.TRANSIENT_INFRASTRUCTURE_ERRORS as exc:
        db.close_old_connections()
        if self.request.retries >= INFRASTRUCTURE_RETRIES:
            refresh_batches.fail_batch(batch_id=batch_id, reason=f"not stored: {exc}")
            raise
        logger.warning("storing batch %s: %s; retrying it", batch_id, exc)
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    return "stored" if job is not None else "stored already"


def encode_fetched(fetched: FetchedXml) -> dict:
    """The fetched replies as JSON for the broker: each document zlib-compressed (PubMed XML
    shrinks about eightfold, and Redis holds every waiting batch in memory) and base64'd."""
    return {
        "pmids": list(fetched.pmids),
        "documents": [base64.b64encode(zlib.compress(d, 1)).decode() for d in fetched.documents],
        "failures": {str(pmid): reason for pmid, reason in fetched.failures.items()},
        "attempts": fetched.attempts,
    }


def decode_fetched(message: dict) -> FetchedXml:
    return FetchedXml(
        pmids=tuple(message["pmids"]),
        documents=tuple(zlib.decompress(base64.b64decode(d)) for d in message["documents"]),
        failures={int(pmid): reason for pmid, reason in message["failures"].items()},
        attempts=message["attempts"],
    )


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
    """Send again what has waited longer than ``older_than``; return the ids of those jobs.

    A job or a batch can wait forever when its message is gone: Redis restarted without its
    data, or was flushed. So: jobs still "queued", or "running" but never planned, are sent
    again; running jobs' batches still planned, or running since before the cutoff, are
    dispatched again (with a new task id, so a late original cannot run alongside). Safe
    whether or not the first messages still exist: planning happens once, a batch is stored
    once. A job whose sending fails is marked failed with the broker-down reason, as ever.
    """
    cutoff = timezone.now() - older_than
    unplanned = RefreshJob.objects.filter(
        Q(status=RefreshJob.Status.QUEUED, created_at__lt=cutoff)
        | Q(status=RefreshJob.Status.RUNNING, planned_at__isnull=True, started_at__lt=cutoff)
    )
    stale = list(unplanned.order_by("pk").values_list("pk", flat=True))
    for job_id in stale:
        _send(job_id)
    running = RefreshJob.objects.filter(
        status=RefreshJob.Status.RUNNING, planned_at__lt=cutoff
    ).order_by("pk")
    for job_id in running.values_list("pk", flat=True):
        if dispatch_batches(job_id=job_id, stale_before=cutoff):
            stale.append(job_id)
    return stale
