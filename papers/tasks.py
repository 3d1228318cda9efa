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
from typing import NoReturn

from celery import shared_task, uuid
from celery.exceptions import Retry
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
BROKER_ERRORS = (BrokerError, ConnectionError, OSError)


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
    queue, where any number of workers take them; safe to run twice (a second run plans
    nothing and dispatches only batches still planned, with new task ids).
    """
    try:
        job = refresh.start_job(job_id=job_id)
        if job is None:
            return {"job": job_id, "status": "finished already"}
        sent = 0 if job.is_finished else dispatch_batches(job_id=job_id)
    except refresh.TRANSIENT_INFRASTRUCTURE_ERRORS as exc:
        db.close_old_connections()  # drop the broken connection; the retry opens a new one
        if self.request.retries >= INFRASTRUCTURE_RETRIES:
            refresh.fail_job(job_id=job_id, exc=exc)
            raise
        logger.warning("planning refresh job %s: %s; retrying it", job_id, exc)
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    except BROKER_ERRORS as exc:
        # Some batches may have no message: the job ends failed with the reason, its open
        # batches keep their PMIDs, and "Retry the failed identifiers" asks for them again.
        refresh.fail_job(job_id=job_id, exc=exc, key="_queue", reason=f"{BROKER_DOWN} ({exc})")
        raise
    return {"job": job.pk, "status": job.status, "batches_sent": sent}


def dispatch_batches(*, job_id: int, stale_before=None) -> int:
    """Send a fetch message for each of the job's batches still planned (or, with
    ``stale_before``, also those running since before then); return how many were sent.

    Each message gets a fresh task id, written on the batch before it is sent: only that
    message (and its redeliveries) may then take the batch, so an earlier copy still in the
    queue finds it is not its own. (A batch dispatched again because it looked stale while
    its holder was in fact still fetching may be fetched twice; it is stored once.)
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


# One retry counter per message: database retries (claiming) and whole-batch fetch retries
# share it, so a batch is tried at most this many times in all before it is failed.
@shared_task(bind=True, acks_late=True, max_retries=max(FETCH_RETRIES, INFRASTRUCTURE_RETRIES))
def fetch_batch_task(self, batch_id: int) -> str:
    """Fetch one batch from E-utilities and hand the replies to the store queue.

    Whatever goes wrong ends the batch one way or the other: retried (a transient fault), or
    failed with the reason and its PMIDs kept; never left "running" with no message.
    """
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
        _retry_or_fail(self, batch_id, exc, step="taking")
    try:
        fetched = fetch_batch_xml(pmids=batch.pmids)
        if fetched.retryable and self.request.retries < FETCH_RETRIES:
            logger.warning("fetching batch %s: %s; retrying it later", batch_id, fetched.reason)
            raise self.retry(countdown=settings.FETCH_RETRY_SECONDS * 2**self.request.retries)
        message = encode_fetched(fetched)
    except Retry:
        raise
    except Exception as exc:  # a bug or a reply we cannot handle: the batch fails, in words
        refresh_batches.fail_batch(batch_id=batch_id, reason=f"not fetched: {_describe(exc)}")
        raise
    try:
        store_batch_task.apply_async(args=(batch_id, message), queue=store_queue())
    except BROKER_ERRORS as exc:
        refresh_batches.fail_batch(batch_id=batch_id, reason=f"{BROKER_DOWN} ({exc})")
        raise
    return "fetched"


@shared_task(bind=True, acks_late=True, max_retries=INFRASTRUCTURE_RETRIES)
def store_batch_task(self, batch_id: int, fetched: dict) -> str:
    """Read one fetched batch into records and store it (papers.refresh_batches.store_batch)."""
    try:
        records = read_fetched_xml(decode_fetched(fetched))
        job = refresh_batches.store_batch(batch_id=batch_id, fetched=records)
    except refresh.TRANSIENT_INFRASTRUCTURE_ERRORS as exc:
        db.close_old_connections()
        _retry_or_fail(self, batch_id, exc, step="storing")
    except Exception as exc:  # a broken message, a bug: the batch fails, in words
        refresh_batches.fail_batch(batch_id=batch_id, reason=f"not stored: {_describe(exc)}")
        raise
    return "stored" if job is not None else "stored already"


def _retry_or_fail(task, batch_id: int, exc: Exception, *, step: str) -> NoReturn:
    """Retry the step 1, 2, 4 ... s later; once out of retries, fail the batch (if the
    database answers by then; if not, the batch stays open for requeue_jobs)."""
    if task.request.retries >= INFRASTRUCTURE_RETRIES:
        refresh_batches.fail_batch(batch_id=batch_id, reason=f"{step} failed: {_describe(exc)}")
        raise exc
    logger.warning("%s batch %s: %s; retrying it", step, batch_id, exc)
    raise task.retry(exc=exc, countdown=2**task.request.retries) from exc


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


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
    except BROKER_ERRORS as exc:
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
        | Q(
            status=RefreshJob.Status.RUNNING,
            planned_at__isnull=True,
            started_at__lt=cutoff,
            celery_task_id__gt="",
        )
    )
    stale = list(unplanned.order_by("pk").values_list("pk", flat=True))
    for job_id in stale:
        _send(job_id)
    # Only jobs run through Celery (they have a task id): a long `import_pubmed` running in a
    # terminal walks its own batches, and must not have them fetched a second time.
    running = RefreshJob.objects.filter(
        status=RefreshJob.Status.RUNNING, planned_at__lt=cutoff, celery_task_id__gt=""
    ).order_by("pk")
    for job_id in running.values_list("pk", flat=True):
        if dispatch_batches(job_id=job_id, stale_before=cutoff):
            stale.append(job_id)
    return stale
