"""A job's batches: planned once into rows, each stored and counted once, failures kept."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection

from eutils_replay import Faults
from papers import refresh, refresh_batches
from papers.models import Paper, RefreshBatch, RefreshJob
from papers.pubmed import fetch_records
from papers.refresh_selection import failed_without_a_paper
from tests.worker.conftest import database_url_for_test_db

pytestmark = pytest.mark.django_db
KNOWN, OTHER, UNKNOWN = 990000002, 990000004, 990000999


def _job(pmids, kind=RefreshJob.Kind.IMPORT) -> RefreshJob:
    return refresh.create_job(kind=kind, trigger=RefreshJob.Trigger.COMMAND, pmids=pmids)


def _start(job: RefreshJob) -> RefreshJob:
    started = refresh.start_job(job_id=job.pk)
    assert started is not None
    return started


def _store(batch: RefreshBatch) -> RefreshJob | None:
    return refresh_batches.store_batch(batch_id=batch.pk, fetched=fetch_records(pmids=batch.pmids))


def test_planning_writes_the_pmids_as_numbered_batches_once(app_replay, settings):
    settings.REFRESH_BATCH_SIZE = 2
    job = _job([KNOWN, OTHER, UNKNOWN])

    planned = _start(job)
    again = _start(job)  # a redelivered planning message

    assert planned.planned_at is not None and again.planned_at == planned.planned_at
    rows = list(job.batches.order_by("index").values_list("index", "pmids", "status"))
    assert rows == [(0, [KNOWN, OTHER], "planned"), (1, [UNKNOWN], "planned")]
    assert (planned.total, planned.done) == (3, 0)
    assert not [r for r in app_replay.requests if r.endpoint == "efetch"]  # planning fetches none


def test_each_batch_has_its_own_counts_and_the_job_has_their_sums(app_replay, settings):
    settings.REFRESH_BATCH_SIZE = 2
    job = refresh.run_refresh_job(job_id=_job([KNOWN, OTHER, UNKNOWN]).pk)

    first, second = job.batches.order_by("index")
    assert (first.status, first.new_count, first.not_found_count) == ("done", 2, 0)
    assert (second.status, second.new_count, second.not_found_count) == ("done", 0, 1)
    assert second.errors == {str(UNKNOWN): "not found in PubMed"} and second.failed_pmids == []
    assert (job.new_count, job.not_found_count, job.done, job.total) == (2, 1, 3, 3)
    assert job.status == RefreshJob.Status.SUCCEEDED


def test_a_batch_delivered_twice_is_stored_and_counted_once(app_replay):
    job = _start(_job([KNOWN, OTHER]))
    [batch] = job.batches.all()

    after_first = _store(batch)
    after_second = _store(batch)

    assert after_first is not None and after_first.status == RefreshJob.Status.SUCCEEDED
    assert after_second is None
    job.refresh_from_db()
    assert (job.new_count, job.done, Paper.objects.count()) == (2, 2, 2)


def test_a_stray_copy_of_a_batch_message_cannot_take_it(app_replay):
    job = _start(_job([KNOWN]))
    [batch] = job.batches.all()
    RefreshBatch.objects.filter(pk=batch.pk).update(task_id="the-one-dispatched")

    assert refresh_batches.claim_batch(batch_id=batch.pk, task_id="an-older-copy") is None
    taken = refresh_batches.claim_batch(
        batch_id=batch.pk, task_id="the-one-dispatched", worker="w1"
    )
    redelivered = refresh_batches.claim_batch(batch_id=batch.pk, task_id="the-one-dispatched")

    assert taken is not None and (taken.status, taken.worker) == ("running", "w1")
    assert redelivered is not None and redelivered.attempts == 2  # its redelivery may


def test_pmids_whose_fetch_failed_are_kept_and_the_next_refresh_asks_for_them(app_replay, settings):
    settings.NCBI_MAX_ATTEMPTS = 1
    app_replay.set_faults(Faults(rate_500=1.0))
    failed = refresh.run_refresh_job(job_id=_job([KNOWN, OTHER]).pk)

    assert failed.status == RefreshJob.Status.FAILED and not Paper.objects.exists()
    [batch] = failed.batches.all()
    assert batch.failed_pmids == [KNOWN, OTHER] and "500" in batch.errors[str(KNOWN)]
    assert failed_without_a_paper() == [KNOWN, OTHER]
    assert refresh.failed_identifiers(failed) == ([KNOWN, OTHER], [])

    app_replay.set_faults(Faults())
    everything = refresh.create_job(
        kind=RefreshJob.Kind.REFRESH_ALL, trigger=RefreshJob.Trigger.SCHEDULE, refresh_all=True
    )
    done = refresh.run_refresh_job(job_id=everything.pk)

    assert done.status == RefreshJob.Status.SUCCEEDED and done.new_count == 2
    assert set(Paper.objects.values_list("pmid", flat=True)) == {KNOWN, OTHER}
    assert failed_without_a_paper() == []


def test_a_job_that_ended_on_an_error_retries_the_batches_it_never_finished(app_replay, settings):
    settings.REFRESH_BATCH_SIZE = 1
    job = _start(_job([KNOWN, OTHER]))
    _store(job.batches.get(index=0))
    refresh.fail_job(job_id=job.pk, exc=RuntimeError("the worker's machine was lost"))

    ended = RefreshJob.objects.get(pk=job.pk)
    assert ended.status == RefreshJob.Status.FAILED
    assert refresh.failed_identifiers(ended) == ([OTHER], [])


def test_cancel_ends_the_open_batches_unfetched(app_replay, settings):
    settings.REFRESH_BATCH_SIZE = 1
    job = _job([KNOWN, OTHER, UNKNOWN])

    def cancel_after_the_first(current: RefreshJob) -> None:
        refresh.cancel_job(job_id=current.pk)

    ended = refresh.run_refresh_job(job_id=job.pk, progress=cancel_after_the_first)

    assert ended.status == RefreshJob.Status.CANCELLED and ended.done == 1
    statuses = list(ended.batches.order_by("index").values_list("status", flat=True))
    assert statuses == ["done", "cancelled", "cancelled"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_finishing_the_last_batches_at_once_finish_the_job_once(app_replay, settings):
    """Each store takes the job row's lock last; whichever commits second sees no open batch."""
    settings.REFRESH_BATCH_SIZE = 1
    job = _start(_job([KNOWN, OTHER]))
    fetched = {b.pk: fetch_records(pmids=b.pmids) for b in job.batches.all()}
    start = threading.Barrier(len(fetched))
    results: list[RefreshJob | None] = []

    def store(batch_id: int) -> None:
        try:
            start.wait()
            results.append(
                refresh_batches.store_batch(batch_id=batch_id, fetched=fetched[batch_id])
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=store, args=(pk,)) for pk in fetched]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    final = RefreshJob.objects.get(pk=job.pk)
    assert final.status == RefreshJob.Status.SUCCEEDED
    assert (final.done, final.total, final.new_count) == (2, 2, 2)
    # The first to commit saw the other batch still open; the second finished the job.
    assert sorted(r.status for r in results if r is not None) == ["running", "succeeded"]


@pytest.mark.django_db(transaction=True)
def test_finishing_a_job_does_not_wait_on_another_stores_change_log_rows(app_replay):
    """Another store's change-log rows hold KEY SHARE on the job row until it commits, while
    it waits for this store's UPDATE of that row. Finishing the job with FOR UPDATE would wait
    on that share: the two would deadlock. FOR NO KEY UPDATE does not conflict with it."""
    job = _start(_job([KNOWN]))
    [batch] = job.batches.all()
    fetched = fetch_records(pmids=batch.pmids)
    with psycopg.connect(database_url_for_test_db()) as other_store:
        other_store.execute("SELECT 1 FROM papers_refreshjob WHERE id = %s FOR KEY SHARE", [job.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '5s'")  # a wait fails the test, not hangs it
        try:
            finished = refresh_batches.store_batch(batch_id=batch.pk, fetched=fetched)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
        other_store.rollback()

    assert finished is not None and finished.status == RefreshJob.Status.SUCCEEDED
