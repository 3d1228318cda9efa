"""Run PubMed refresh jobs: resolve identifiers, fetch in batches, store each batch atomically.

The path of a PMID, top to bottom (docs/pipeline.md):

    create_job(pmids=[...])                  a queued RefreshJob row (PMIDs are ints by now)
    run_refresh_job(job_id=...)              claim it, freeze its PMID list, then per batch:
      papers.pubmed.fetch_records(pmids=)    one efetch, parsed once -> FetchedRecords
      _store_batch(...)                      one transaction: papers.ingest writes the records
                                             (-> UpsertSummary) and the withdrawn, missing and
                                             failed PMIDs, the job adds up its counts and ticks
                                             the batch off; the commit changes the content
                                             version once, so cached pages go stale
    _finish                                  succeeded / partial / failed

``run_refresh_job`` may run twice for the same job (a Celery redelivery after a worker died):
every batch is stored in one transaction together with the job's checkpoint, so a batch is
either wholly stored and ticked off, or not at all, and a second run skips what the first
finished.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from django import db
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from papers.doi_metadata import fetch_crossref_works, hand_over_to_pubmed, store_crossref_works
from papers.ingest import (
    NO_PUBMED_RECORD,
    NOT_FOUND,
    keep_doi_only_papers,
    mark_deleted,
    mark_failed,
    mark_not_found,
    sync_reference_list,
    upsert_isolating,
)
from papers.models import Paper, RefreshJob
from papers.pubmed import (
    FetchedRecords,
    InvalidIdentifierError,
    NcbiError,
    doi_problem,
    fetch_records,
    pmid_problem,
    pmids_for_doi,
    split_batches,
)
from papers.pubmed.identifiers import strip_doi_prefix
from papers.refresh_selection import pmids_for_refresh_all

logger = logging.getLogger(__name__)

Progress = Callable[[RefreshJob], None]

# Errors of the infrastructure, not of the job: a connection terminated or dropped, a server
# restarting, a deadlock. Retrying the job (from its checkpoint) is the cure; see
# papers.tasks.run_refresh_job_task.
TRANSIENT_INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (
    db.OperationalError,
    db.InterfaceError,
)


# --- creating jobs -------------------------------------------------------------------------


def create_job(
    *,
    kind: str,
    trigger: str,
    pmids: Iterable[int] = (),
    dois: Iterable[str] = (),
    refresh_all: bool = False,
    stale_days: int | None = None,
    scheduled_for: str = "",
    user=None,
) -> RefreshJob:
    """Create a queued job for these identifiers; raise InvalidIdentifierError if there are none.

    ``pmids`` are ints and ``dois`` normalised DOIs: whoever took them from a person already
    converted them (papers.pubmed.parse_pmid / normalize_doi). Nothing is fetched here: the
    job runs in a worker (``papers.tasks.enqueue_job``) or in-process (``run_refresh_job``).
    """
    identifiers: dict = {"pmids": list(dict.fromkeys(pmids)), "dois": list(dict.fromkeys(dois))}
    if not (identifiers["pmids"] or identifiers["dois"] or refresh_all or stale_days is not None):
        raise InvalidIdentifierError("no PMIDs or DOIs given")
    if refresh_all:
        identifiers["all"] = True
    if stale_days is not None:
        identifiers["stale_days"] = stale_days
    if scheduled_for:
        identifiers["scheduled_for"] = scheduled_for
    return RefreshJob.objects.create(
        kind=kind,
        trigger=trigger,
        identifiers=identifiers,
        schedule_key=scheduled_for or None,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )


# --- cancelling and retrying ----------------------------------------------------------------


def cancel_job(*, job_id: int) -> RefreshJob:
    """Stop the job: at once if it is still queued, else between two batches (the worker looks
    at ``cancel_requested_at`` after each). A finished job is returned untouched."""
    now = timezone.now()
    RefreshJob.objects.filter(pk=job_id, status=RefreshJob.Status.QUEUED).update(
        status=RefreshJob.Status.CANCELLED, cancel_requested_at=now, finished_at=now
    )
    RefreshJob.objects.filter(
        pk=job_id, status=RefreshJob.Status.RUNNING, cancel_requested_at__isnull=True
    ).update(cancel_requested_at=now)
    return RefreshJob.objects.get(pk=job_id)


# Reasons that are answers, not failures: asking PubMed again would get the same answer.
SETTLED_REASONS = frozenset({NOT_FOUND, NO_PUBMED_RECORD})


def failed_identifiers(job: RefreshJob) -> tuple[list[int], list[str]]:
    """Return the (PMIDs, DOIs) of the job that failed and are worth asking PubMed for again.

    Those with a per-identifier error other than "not found"; for a job that never reached
    the queue, everything it asked for; for a job that crashed, also the PMIDs of the batches
    it never stored.
    """
    keys = [
        key
        for key, reason in job.errors.items()
        if not key.startswith("_") and reason not in SETTLED_REASONS
    ]
    pmids = [int(key) for key in keys if key.isdigit()]
    dois = [key for key in keys if not key.isdigit()]
    if "_queue" in job.errors and not job.started_at:
        pmids, dois = [*job.pmids, *pmids], [*job.dois, *dois]
    elif "_job" in job.errors and job.checkpoint.get("frozen"):
        stored = set(job.checkpoint.get("batches_done", []))
        batches = _batches(job.identifiers.get("frozen_pmids", []))
        pmids += [p for i, batch in enumerate(batches) if i not in stored for p in batch]
    return list(dict.fromkeys(pmids)), list(dict.fromkeys(dois))


def create_retry_job(*, job: RefreshJob, user=None) -> RefreshJob:
    """Create a queued job for the failed identifiers of ``job``; raise InvalidIdentifierError
    if none failed. The caller queues it (``papers.tasks.enqueue_job``)."""
    pmids, dois = failed_identifiers(job)
    if not (pmids or dois):
        raise InvalidIdentifierError(f"job #{job.pk} has no failed identifiers to retry")
    retry = create_job(
        kind=RefreshJob.Kind.IMPORT,
        trigger=RefreshJob.Trigger.STAFF,
        pmids=pmids,
        dois=dois,
        user=user,
    )
    retry.retry_of = job
    retry.save(update_fields=["retry_of"])
    return retry


# --- running jobs --------------------------------------------------------------------------


def run_refresh_job(*, job_id: int, progress: Progress | None = None) -> RefreshJob:
    """Run (or resume) the job; return it finished. A finished job is returned untouched."""
    job = _claim(job_id)
    if job is None:
        return RefreshJob.objects.get(pk=job_id)
    try:
        if job.kind == RefreshJob.Kind.IMPORT_REVIEW and not job.checkpoint.get("review_done"):
            job = _import_review(job)
        job = _freeze_pmids(job)
        done = set(job.checkpoint.get("batches_done", []))
        batches = _batches(job.identifiers["frozen_pmids"])
        todo = [(i, b) for i, b in enumerate(batches) if i not in done]
        if _cancel_requested(job.pk):
            return _cancel(job.pk)
        for index, fetched in _prefetched(todo):
            job = _store_batch(job.pk, index, fetched)
            if progress:
                progress(job)
            # Between batches, never inside one: a batch is stored whole or not at all.
            if _cancel_requested(job.pk):
                return _cancel(job.pk)
        return _finish(job.pk)
    except TRANSIENT_INFRASTRUCTURE_ERRORS:
        # The database connection dropped (or the like): nothing of the batch in hand was kept,
        # the job stays "running" with its checkpoint, and the task retries it from there.
        raise
    except Exception as exc:
        _fail(job.pk, exc)
        raise


def _claim(job_id: int) -> RefreshJob | None:
    """Mark the job running unless it already finished; return it, or None if finished."""
    claimed = RefreshJob.objects.filter(
        pk=job_id, status__in=[RefreshJob.Status.QUEUED, RefreshJob.Status.RUNNING]
    ).update(status=RefreshJob.Status.RUNNING)
    if not claimed:
        return None
    RefreshJob.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=timezone.now())
    return RefreshJob.objects.get(pk=job_id)


def _import_review(job: RefreshJob) -> RefreshJob:
    """Fetch the review, store its reference list, and add the references to the job."""
    review_pmid = job.pmids[0]
    fetched = fetch_records(pmids=[review_pmid])
    review_record = next((r for r in fetched.records if r.pmid == review_pmid), None)
    with transaction.atomic():
        locked = RefreshJob.objects.select_for_update().get(pk=job.pk)
        if locked.checkpoint.get("review_done"):
            return locked
        _store(locked, fetched)
        reference_pmids: list[int] = []
        reference_dois: list[str] = []
        if review_record is not None:
            review = Paper.objects.get(pmid=review_pmid)
            reference_pmids = sync_reference_list(
                review=review, references=review_record.references
            )
            reference_dois = [r.doi for r in review_record.references if r.doi and not r.pmid]
        locked.identifiers = {
            **locked.identifiers,
            "pmids": [p for p in locked.pmids if p != review_pmid] + reference_pmids,
            "dois": list(dict.fromkeys([*locked.dois, *reference_dois])),
        }
        locked.checkpoint = {**locked.checkpoint, "review_done": True}
        locked.save()
        return locked


def _freeze_pmids(job: RefreshJob) -> RefreshJob:
    """Resolve DOIs and "all"/"stale" selections once into identifiers["frozen_pmids"].

    Frozen so a redelivered job walks the same batches, even though refreshing changes
    last_fetched_at (which a stale-days selection reads). The list lives in ``identifiers``,
    which each batch's save leaves alone, not in the checkpoint it rewrites: a weekly refresh
    of 200,000 PMIDs must not rewrite a megabyte-sized value a thousand times.
    """
    if job.checkpoint.get("frozen"):
        return job
    pmids = list(job.pmids)
    if job.identifiers.get("all"):
        pmids += pmids_for_refresh_all(job=job)  # changed since the last run, or never fetched
    elif "stale_days" in job.identifiers:
        cutoff = timezone.now() - timezone.timedelta(days=int(job.identifiers["stale_days"]))
        stale = Paper.objects.filter(pmid__isnull=False).exclude(last_fetched_at__gte=cutoff)
        pmids += list(stale.order_by("pmid").values_list("pmid", flat=True))
    dois = list(job.dois)
    if job.identifiers.get("all"):
        # Papers known only by a DOI (e.g. references printed without a PMID) get another
        # chance to be found in PubMed; ones already known to be missing are not asked again.
        # Those described from Crossref are asked again, so PubMed's record can take over.
        doi_only = Paper.objects.filter(pmid__isnull=True, doi__isnull=False).filter(
            Q(not_in_pubmed=False) | Q(crossref__superseded_at__isnull=True, crossref__isnull=False)
        )
        dois += list(doi_only.order_by("doi").values_list("doi", flat=True))
    resolved, unresolved, failed = _resolve_dois(list(dict.fromkeys(dois)))
    pmids = list(dict.fromkeys([*pmids, *resolved]))
    # A stored row written around the forms (PMID 0 by raw SQL) fails alone, here, with its
    # reason; it is never sent to NCBI, where it would fail its whole batch.
    bad_pmids = {str(p): problem for p in pmids if (problem := pmid_problem(p))}
    failed.update(bad_pmids)
    pmids = [p for p in pmids if str(p) not in bad_pmids]
    # DOIs PubMed lacks are described from Crossref (network now, before any lock).
    works, _, crossref_failed = fetch_crossref_works(unresolved)
    with transaction.atomic():
        locked = RefreshJob.objects.select_for_update().get(pk=job.pk)
        if locked.checkpoint.get("frozen"):
            return locked  # another delivery of this job froze the list first
        keep_doi_only_papers(dois=unresolved)
        store_crossref_works(works=works, job=locked)
        locked.errors = {
            **locked.errors,
            **{d: _doi_only_reason(d, works, crossref_failed) for d in unresolved},
            **failed,
        }
        locked.not_found_count += len(unresolved)
        locked.failed_count += len(failed)
        # A review import has stored (and counted as done) the review itself already; the total
        # counts it too, or a review with three references would read 4/3 when finished.
        already_done = locked.done
        locked.done += len(unresolved) + len(failed)
        locked.total = already_done + len(pmids) + len(unresolved) + len(failed)
        locked.identifiers = {**locked.identifiers, "frozen_pmids": pmids}
        locked.checkpoint = {**locked.checkpoint, "frozen": True}
        locked.save()
        return locked


def _doi_only_reason(doi: str, works: dict, crossref_failed: dict[str, str]) -> str:
    if doi in works:
        return f"{NO_PUBMED_RECORD}; metadata from Crossref"
    if doi in crossref_failed:
        return f"{NO_PUBMED_RECORD}; Crossref failed: {crossref_failed[doi]}"
    return NO_PUBMED_RECORD  # nor in Crossref (or Crossref is off)


def _resolve_dois(dois: Sequence[str]) -> tuple[list[int], list[str], dict[str, str]]:
    """Return (PMIDs found, DOIs with no PubMed record, {DOI: error}) — one esearch per DOI."""
    pmids, unresolved, failed = [], [], {}
    for doi in dois:
        if problem := doi_problem(strip_doi_prefix(doi)):
            failed[doi] = problem  # a stored DOI written around the forms: never sent to NCBI
            continue
        try:
            found = pmids_for_doi(doi=doi)
        except NcbiError as exc:
            failed[doi] = str(exc)
            continue
        if found:
            pmids.append(found[0])
        else:
            unresolved.append(doi)
    return pmids, unresolved, failed


def _batches(pmids: Sequence[int]) -> list[tuple[int, ...]]:
    """Split the frozen PMID list the same way on every run, so batch indices stay valid."""
    return split_batches(pmids, size=settings.REFRESH_BATCH_SIZE)


def _prefetched(todo: list[tuple[int, tuple[int, ...]]]) -> Iterator[tuple[int, FetchedRecords]]:
    """Yield (index, fetched batch) in order, fetching the next batch while this one is stored.

    Fetching waits on the shared rate limit and the network, storing on PostgreSQL; overlapping
    the two is most of an import's speed. The fetch thread never touches the database.
    """
    if not todo:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pubmed-fetch") as pool:
        future = pool.submit(fetch_records, pmids=todo[0][1])
        for position, (index, _) in enumerate(todo):
            fetched = future.result()
            if position + 1 < len(todo):
                future = pool.submit(fetch_records, pmids=todo[position + 1][1])
            yield index, fetched


# What storing a batch changes on the job; ``identifiers`` (with the frozen PMIDs) is not one.
BATCH_FIELDS = [
    "new_count",
    "changed_count",
    "unchanged_count",
    "not_found_count",
    "failed_count",
    "done",
    "errors",
    "checkpoint",
]


def _store_batch(job_id: int, index: int, fetched: FetchedRecords) -> RefreshJob:
    """Store batch number ``index`` and tick it off in the job, in one transaction."""
    with transaction.atomic():
        job = RefreshJob.objects.select_for_update().get(pk=job_id)
        if index in job.checkpoint.get("batches_done", []):
            return job  # another delivery of this job stored it first
        _store(job, fetched)
        job.checkpoint = {
            **job.checkpoint,
            "batches_done": [*job.checkpoint.get("batches_done", []), index],
        }
        job.save(update_fields=BATCH_FIELDS)
        return job


def _store(job: RefreshJob, fetched: FetchedRecords) -> None:
    """Write one fetched batch and add what it did to the job's counts (the caller saves)."""
    summary, store_failures = upsert_isolating(records=fetched.records, job=job)
    failures = {**fetched.failures, **store_failures}
    hand_over_to_pubmed(paper_ids=summary.paper_ids.values(), job=job)  # DOI-only papers
    # A withdrawn citation is a change to a paper we hold (or nothing, if we never had it).
    newly_deleted = mark_deleted(pmids=fetched.deleted_pmids, job=job)
    mark_not_found(pmids=fetched.missing_pmids)
    mark_failed(failures=failures)
    job.new_count += len(summary.new)
    job.changed_count += len(summary.changed) + newly_deleted
    job.unchanged_count += len(summary.unchanged) + len(fetched.deleted_pmids) - newly_deleted
    job.not_found_count += len(fetched.missing_pmids)
    job.failed_count += len(failures)
    job.done += len(fetched.pmids)
    job.errors = {
        **job.errors,
        **{str(pmid): NOT_FOUND for pmid in fetched.missing_pmids},
        **{str(pmid): reason for pmid, reason in failures.items()},
    }


# What a bad record makes the upsert raise; a lost connection (OperationalError) is not one
# and still fails the batch.


def _finish(job_id: int) -> RefreshJob:
    with transaction.atomic():
        job = RefreshJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return job
        if job.failed_count and job.failed_count >= job.total:
            job.status = RefreshJob.Status.FAILED
        elif job.failed_count:
            job.status = RefreshJob.Status.PARTIAL
        else:
            job.status = RefreshJob.Status.SUCCEEDED
        job.finished_at = timezone.now()
        job.save()
        return job


def _cancel_requested(job_id: int) -> bool:
    return RefreshJob.objects.filter(pk=job_id, cancel_requested_at__isnull=False).exists()


def _cancel(job_id: int) -> RefreshJob:
    """End a job whose cancel was asked for; what its stored batches wrote stays."""
    with transaction.atomic():
        job = RefreshJob.objects.select_for_update().get(pk=job_id)
        if not job.is_finished:
            job.status = RefreshJob.Status.CANCELLED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
        return job


def fail_job(*, job_id: int, exc: Exception) -> None:
    """Record that the job ended on ``exc`` (the task gave up retrying it)."""
    _fail(job_id, exc)


def _fail(job_id: int, exc: Exception) -> None:
    """Record an unexpected failure (a bug, the database going away for good) on the job."""
    logger.exception("refresh job %s failed", job_id)
    with transaction.atomic():
        job = RefreshJob.objects.select_for_update().get(pk=job_id)
        job.status = RefreshJob.Status.FAILED
        job.finished_at = timezone.now()
        job.errors = {**job.errors, "_job": f"{exc.__class__.__name__}: {exc}"}
        job.save()
