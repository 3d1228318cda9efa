"""Run PubMed refresh jobs: resolve identifiers, plan batches, fetch and store each batch.

The path of a PMID, top to bottom (docs/pipeline.md):

    create_job(pmids=[...])                  a queued RefreshJob row (PMIDs are ints by now)
    start_job(job_id=...)                    claim it; a review import stores the review and
                                             adds its references; resolve DOIs and selections
                                             into PMIDs once and write them as RefreshBatch
                                             rows (papers.refresh_batches.plan_batches)
    then per batch, in a worker (papers.tasks: fetch_batch_task -> store_batch_task, any
    number of workers, any order) or here in order (run_refresh_job):
      papers.pubmed.fetch_records(pmids=)    one efetch, plus one for PMIDs it left out
                                             (in a worker: fetch_batch_xml, then the store
                                             worker's read_fetched_xml) -> FetchedRecords
      refresh_batches.store_batch(...)       one transaction: papers.ingest writes the records,
                                             the batch is marked done and its counts added to
                                             the job; the last batch finishes the job

Any step may run twice for the same job or batch (a Celery redelivery after a worker died):
planning happens once under the job's lock, and a batch is stored and counted once under its
own, so a second run skips what the first finished.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from django import db
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from papers import refresh_batches
from papers.doi_metadata import fetch_crossref_works, store_crossref_works
from papers.ingest import NO_PUBMED_RECORD, NOT_FOUND, keep_doi_only_papers, sync_reference_list
from papers.models import Paper, RefreshBatch, RefreshJob
from papers.pubmed import (
    FetchedRecords,
    InvalidIdentifierError,
    NcbiError,
    doi_problem,
    fetch_records,
    pmid_problem,
    pmids_for_doi,
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

    Those with an error other than "not found" (the job's own, for DOIs, and its batches'
    ``failed_pmids``); for a job that never reached the queue, everything it asked for; for a
    job that ended on an error, also the PMIDs of the batches it never finished.
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
    pmids += refresh_batches.failed_batch_pmids(job=job)
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
    """Run (or resume) the whole job in this process; return it finished.

    The steps a worker pool takes (start_job, then each open batch claimed, fetched and
    stored), in batch order, fetching the next batch while this one is stored. Unlike a
    worker, a batch whose whole request still fails after the client's retries is recorded
    as failed at once (a worker fetches it again minutes later). A finished job is returned
    untouched.
    """
    try:
        job = start_job(job_id=job_id)
        if job is None or job.is_finished:
            return RefreshJob.objects.get(pk=job_id)
        batches = refresh_batches.open_batches(job_id=job_id)
        if _cancel_requested(job_id):
            return refresh_batches.cancel_open_batches(job_id=job_id)
        for batch, fetched in _prefetched(batches):
            refresh_batches.claim_batch(batch_id=batch.pk, worker=IN_PROCESS)
            job = refresh_batches.store_batch(batch_id=batch.pk, fetched=fetched) or job
            if progress:
                progress(RefreshJob.objects.get(pk=job_id))
            # Between batches, never inside one: a batch is stored whole or not at all.
            if _cancel_requested(job_id):
                return refresh_batches.cancel_open_batches(job_id=job_id)
        return refresh_batches.finish_if_complete(job_id=job_id)
    except Exception as exc:
        # Nothing of the batch in hand was kept; the job ends failed with the reason (if the
        # database answers) and its open batches keep their PMIDs for "retry failed".
        try:
            _fail(job_id, exc)
        except TRANSIENT_INFRASTRUCTURE_ERRORS:
            logger.exception("refresh job %s: could not record its failure", job_id)
        raise


# The ``worker`` a batch stored by run_refresh_job shows (no Celery worker took it).
IN_PROCESS = "in-process (management command)"


def start_job(*, job_id: int) -> RefreshJob | None:
    """Claim the job and plan it (once); return it, or None if it had finished already.

    After this the job's PMIDs are RefreshBatch rows and its total is known; a job with
    nothing left to fetch is finished here.
    """
    job = _claim(job_id)
    if job is None:
        return None
    try:
        if job.kind == RefreshJob.Kind.IMPORT_REVIEW and not job.review_done:
            job = _import_review(job)
        job = _plan(job)
        if _cancel_requested(job_id):
            return refresh_batches.cancel_open_batches(job_id=job_id)
        return refresh_batches.finish_if_complete(job_id=job_id)
    except TRANSIENT_INFRASTRUCTURE_ERRORS:
        raise
    except Exception as exc:
        _fail(job_id, exc)
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
        if locked.review_done:
            return locked
        outcome = refresh_batches.write_outside_batches(job=locked, fetched=fetched)
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
        locked.errors = {**locked.errors, **outcome.errors}
        locked.review_done = True
        locked.save()
        return locked


def _plan(job: RefreshJob) -> RefreshJob:
    """Resolve DOIs and "all"/"stale" selections once into PMIDs, written as RefreshBatch rows.

    Planned once, so a redelivered job walks the same batches, even though refreshing changes
    last_fetched_at (which a stale-days selection reads). The PMIDs live in the batch rows,
    not in one JSON value of the job: a refresh of 200,000 PMIDs is 1,000 rows of 200.
    """
    if job.planned_at is not None:
        return job
    pmids = list(job.pmids)
    if job.identifiers.get("all"):
        # Changed since the last run, never fetched, or failed before (also those that have
        # no paper row because their first fetch failed): papers.refresh_selection.
        pmids += pmids_for_refresh_all(job=job)
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
        if locked.planned_at is not None:
            return locked  # another delivery of this job planned it first
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
        refresh_batches.plan_batches(job=locked, pmids=pmids)
        locked.planned_at = timezone.now()
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


def _prefetched(batches: list[RefreshBatch]) -> Iterator[tuple[RefreshBatch, FetchedRecords]]:
    """Yield (batch, fetched) in order, fetching the next batch while this one is stored.

    Fetching waits on the shared rate limit and the network, storing on PostgreSQL; overlapping
    the two is most of an in-process import's speed. The fetch thread never touches the
    database (a worker pool gets the same overlap from its separate fetch and store queues).
    """
    if not batches:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pubmed-fetch") as pool:
        future = pool.submit(fetch_records, pmids=batches[0].pmids)
        for position, batch in enumerate(batches):
            fetched = future.result()
            if position + 1 < len(batches):
                future = pool.submit(fetch_records, pmids=batches[position + 1].pmids)
            yield batch, fetched


def _cancel_requested(job_id: int) -> bool:
    return RefreshJob.objects.filter(pk=job_id, cancel_requested_at__isnull=False).exists()


def fail_job(*, job_id: int, exc: Exception, key: str = "_job", reason: str = "") -> None:
    """Record that the job ended on ``exc`` (the task gave up retrying it, or could not send
    its batches: ``key`` "_queue"), with ``reason`` if given."""
    _fail(job_id, exc, key=key, reason=reason)


def _fail(job_id: int, exc: Exception, *, key: str = "_job", reason: str = "") -> None:
    """Record an unexpected failure (a bug, the database going away for good) on the job.

    Its open batches stay open, with their PMIDs: "retry failed" asks for them again.
    """
    logger.exception("refresh job %s failed", job_id)
    with transaction.atomic():
        # FOR NO KEY UPDATE: batches being stored hold KEY SHARE on the job row (their change
        # log rows point at it); waiting for them is right, conflicting with them is not.
        job = RefreshJob.objects.select_for_update(no_key=True).get(pk=job_id)
        job.status = RefreshJob.Status.FAILED
        job.finished_at = timezone.now()
        job.errors = {**job.errors, key: reason or f"{exc.__class__.__name__}: {exc}"}
        job.save(update_fields=["status", "finished_at", "errors"])
