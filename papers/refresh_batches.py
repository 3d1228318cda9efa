"""The batches of a refresh job: planned once, then each taken, stored and counted once,
by whichever process holds it, in any order and any number at a time.

A batch's life (papers.models.RefreshBatch.Status)::

    planned    plan_batches() wrote it, with its PMIDs, when the job was planned
    running    claim_batch(): a worker took it (its Celery task id is on the row)
    done       store_batch(): its records, withdrawals, misses and failures are written
    failed     fail_batch(): storing it kept failing on our side; its PMIDs are kept to retry
    cancelled  cancel_batch(): the job was cancelled before the batch was fetched

Every step that finishes a batch does it in one transaction that also adds the batch's counts
to the job's columns (an UPDATE ... SET done = done + n, which takes the job row's lock) and
then asks whether any batch is still open. The row lock orders those transactions, so exactly
the last one to commit sees none open and finishes the job; two workers finishing the last
two batches at once never both finish it, nor leave it running. Only FOR NO KEY UPDATE is
taken on the job row: the change-log rows a store inserts hold KEY SHARE on it, which FOR
UPDATE would wait on while that store waits on this one (a deadlock).

A cancel that comes after every batch was taken cancels nothing: the job ends with the
status its batches earned.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from papers.doi_metadata import hand_over_to_pubmed
from papers.ingest import NOT_FOUND, mark_deleted, mark_failed, mark_not_found, upsert_isolating
from papers.models import RefreshBatch, RefreshJob
from papers.pubmed import FetchedRecords, split_batches

logger = logging.getLogger(__name__)

OPEN = (RefreshBatch.Status.PLANNED, RefreshBatch.Status.RUNNING)


def plan_batches(*, job: RefreshJob, pmids: Sequence[int]) -> int:
    """Write the job's PMIDs as numbered batches (in the caller's transaction); return how many.

    Split the same way on every run, so a job planned twice (it cannot be: the caller holds
    the job's lock and checks ``planned_at``) would still name the same batches.
    """
    batches = split_batches(pmids, size=settings.REFRESH_BATCH_SIZE)
    RefreshBatch.objects.bulk_create(
        (RefreshBatch(job=job, index=i, pmids=list(b)) for i, b in enumerate(batches)),
        batch_size=1000,
    )
    return len(batches)


def open_batches(*, job_id: int) -> list[RefreshBatch]:
    """Return the job's batches not yet finished, in order (what a resumed run still owes)."""
    return list(
        RefreshBatch.objects.filter(job_id=job_id, status__in=OPEN)
        .order_by("index")
        .only("pk", "index", "pmids", "status")
    )


def claim_batch(*, batch_id: int, task_id: str = "", worker: str = "") -> RefreshBatch | None:
    """Mark the batch running for this delivery and return it; None if it is not this
    delivery's to run (finished, or handed to another message since).

    ``task_id`` is the Celery task id the batch was dispatched with: a redelivery of that
    message (a worker died holding it) carries the same id and may take the batch again; a
    stray copy from an earlier dispatch may not. In-process runs pass "" and own every batch.
    """
    claimed = RefreshBatch.objects.filter(pk=batch_id, status__in=OPEN)
    if task_id:
        claimed = claimed.filter(task_id=task_id)
    if not claimed.update(
        status=RefreshBatch.Status.RUNNING,
        attempts=F("attempts") + 1,
        worker=worker[:255],
        started_at=timezone.now(),
    ):
        return None
    return RefreshBatch.objects.select_related("job").get(pk=batch_id)


@dataclass
class BatchOutcome:
    """What storing one batch did, counted the way the job counts."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_found: int = 0
    failed: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    failed_pmids: list[int] = field(default_factory=list)


def store_batch(*, batch_id: int, fetched: FetchedRecords) -> RefreshJob | None:
    """Store the fetched batch, mark it done and count it on the job, in one transaction.

    Return the job as it stands after; None if the batch was finished already (another
    delivery stored it first: nothing is written twice).
    """
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        if batch.status not in OPEN:
            return None
        outcome = _write(batch.job, fetched)
        return _close(batch, RefreshBatch.Status.DONE, outcome, done=len(fetched.pmids))


def fail_batch(*, batch_id: int, reason: str) -> RefreshJob | None:
    """Record that every PMID of the batch failed for ``reason`` (storing it kept failing on
    our side); its PMIDs stay in ``failed_pmids`` for "retry failed" and the next refresh."""
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        if batch.status not in OPEN:
            return None
        mark_failed(failures=dict.fromkeys(batch.pmids, reason))
        outcome = BatchOutcome(
            failed=len(batch.pmids),
            errors={str(pmid): reason for pmid in batch.pmids},
            failed_pmids=list(batch.pmids),
        )
        return _close(batch, RefreshBatch.Status.FAILED, outcome, done=len(batch.pmids))


def cancel_batch(*, batch_id: int) -> RefreshJob | None:
    """End an open batch of a cancelled job unfetched; nothing of it is written."""
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        if batch.status not in OPEN:
            return None
        return _close(batch, RefreshBatch.Status.CANCELLED, BatchOutcome(), done=0)


def cancel_open_batches(*, job_id: int) -> RefreshJob:
    """End every open batch of the job unfetched (an in-process run stopping on cancel)."""
    for batch in open_batches(job_id=job_id):
        cancel_batch(batch_id=batch.pk)
    return finish_if_complete(job_id=job_id)


def _locked_batch(batch_id: int) -> RefreshBatch:
    """Lock the batch row (only it: ``of`` keeps FOR UPDATE off the joined job row, which
    would make every store of one job wait for the one before) and return it with its job."""
    return (
        RefreshBatch.objects.select_for_update(of=("self",)).select_related("job").get(pk=batch_id)
    )


def write_outside_batches(*, job: RefreshJob, fetched: FetchedRecords) -> BatchOutcome:
    """Write records fetched before the job was planned (a review import's review) and add
    them to the counts of ``job``, which the caller has locked and saves."""
    outcome = _write(job, fetched)
    job.new_count += outcome.new
    job.changed_count += outcome.changed
    job.unchanged_count += outcome.unchanged
    job.not_found_count += outcome.not_found
    job.failed_count += outcome.failed
    job.done += len(fetched.pmids)
    return outcome


def _write(job: RefreshJob, fetched: FetchedRecords) -> BatchOutcome:
    """Write one fetched batch (papers, withdrawals, misses, failures); return what it did."""
    summary, store_failures = upsert_isolating(records=fetched.records, job=job)
    failures = {**fetched.failures, **store_failures}
    hand_over_to_pubmed(paper_ids=summary.paper_ids.values(), job=job)  # DOI-only papers
    # A withdrawn citation is a change to a paper we hold (or nothing, if we never had it).
    newly_deleted = mark_deleted(pmids=fetched.deleted_pmids, job=job)
    mark_not_found(pmids=fetched.missing_pmids)
    mark_failed(failures=failures)
    return BatchOutcome(
        new=len(summary.new),
        changed=len(summary.changed) + newly_deleted,
        unchanged=len(summary.unchanged) + len(fetched.deleted_pmids) - newly_deleted,
        not_found=len(fetched.missing_pmids),
        failed=len(failures),
        errors={
            **{str(pmid): NOT_FOUND for pmid in fetched.missing_pmids},
            **{str(pmid): reason for pmid, reason in failures.items()},
        },
        failed_pmids=sorted(failures),
    )


def _close(batch: RefreshBatch, status: str, outcome: BatchOutcome, *, done: int) -> RefreshJob:
    """Finish the locked batch with ``outcome``, add it to the job, finish the job if last."""
    batch.status = status
    batch.new_count = outcome.new
    batch.changed_count = outcome.changed
    batch.unchanged_count = outcome.unchanged
    batch.not_found_count = outcome.not_found
    batch.failed_count = outcome.failed
    batch.errors = outcome.errors
    batch.failed_pmids = outcome.failed_pmids
    batch.finished_at = timezone.now()
    batch.save()
    # Last, so the job row's lock is held only from here to the commit.
    RefreshJob.objects.filter(pk=batch.job_id).update(
        new_count=F("new_count") + outcome.new,
        changed_count=F("changed_count") + outcome.changed,
        unchanged_count=F("unchanged_count") + outcome.unchanged,
        not_found_count=F("not_found_count") + outcome.not_found,
        failed_count=F("failed_count") + outcome.failed,
        done=F("done") + done,
    )
    return finish_if_complete(job_id=batch.job_id)


def finish_if_complete(*, job_id: int) -> RefreshJob:
    """Give the job its final status if no batch is open (else return it as it is)."""
    with transaction.atomic():
        # FOR NO KEY UPDATE, not FOR UPDATE: another batch's store holds KEY SHARE on this row
        # (its change-log rows point at the job) while it waits for the job row behind this
        # transaction's UPDATE; FOR UPDATE would wait on that share and deadlock the two.
        job = RefreshJob.objects.select_for_update(no_key=True).get(pk=job_id)
        if job.is_finished or job.planned_at is None:
            return job
        if RefreshBatch.objects.filter(job_id=job_id, status__in=OPEN).exists():
            return job
        cancelled = RefreshBatch.objects.filter(
            job_id=job_id, status=RefreshBatch.Status.CANCELLED
        ).exists()
        if cancelled:
            job.status = RefreshJob.Status.CANCELLED
        elif job.failed_count and job.failed_count >= job.total:
            job.status = RefreshJob.Status.FAILED
        elif job.failed_count:
            job.status = RefreshJob.Status.PARTIAL
        else:
            job.status = RefreshJob.Status.SUCCEEDED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        return job


def failed_batch_pmids(*, job: RefreshJob) -> list[int]:
    """Return the PMIDs of the job's batches worth asking for again: those that failed, and
    for a job that ended on an error, those of batches it never finished."""
    pmids: list[int] = []
    for batch in job.batches.order_by("index").only("pmids", "failed_pmids", "status"):
        if batch.status in OPEN and job.is_finished:
            pmids.extend(batch.pmids)
        else:
            pmids.extend(batch.failed_pmids)
    return pmids
