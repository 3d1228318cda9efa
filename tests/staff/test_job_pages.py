"""The job list, the job page and its live fragment, retry and cancel (jobs run in-process
against the replay server; tests/worker/test_job_pages_with_a_worker.py runs them in a worker)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from eutils_replay import Faults
from papers import refresh
from papers.models import RefreshJob
from tests.factories import stored_batches
from tests.pipeline.conftest import app_replay
from tests.staff.conftest import client_for

__all__ = ["app_replay"]
pytestmark = pytest.mark.django_db
KNOWN, UNKNOWN = 990000002, 990000999


def _job(**kwargs) -> RefreshJob:
    kwargs.setdefault("kind", RefreshJob.Kind.IMPORT)
    return refresh.create_job(trigger=RefreshJob.Trigger.STAFF, **kwargs)


def _fragment(client, job) -> str:
    return client.get(reverse("staff:job-progress", args=[job.pk])).content.decode()


def test_a_review_import_never_reads_more_than_all_done(people, app_replay):
    # The review 990000001 has three references: one PMID, one DOI PubMed lacks, one neither.
    # Counting the review as done but not in the total made such a job read 3/2 (or 4/3).
    job = refresh.run_refresh_job(
        job_id=_job(kind=RefreshJob.Kind.IMPORT_REVIEW, pmids=[990000001]).pk
    )

    assert (job.done, job.total, job.progress_percent) == (3, 3, 100)
    body = _fragment(client_for(people.sam), job)
    assert "(3 of 3 identifiers)" in body and 'value="100"' in body


def test_progress_is_capped_at_100_percent_whatever_the_counts_say(people):
    job = RefreshJob.objects.create(
        kind="import", trigger="staff", status="running", done=4, total=3
    )
    assert job.progress_percent == 100
    assert 'value="100"' in _fragment(client_for(people.sam), job)


def test_the_fragment_polls_while_the_job_runs_and_stops_once_it_finished(people, app_replay):
    client = client_for(people.sam)
    job = _job(pmids=[KNOWN, UNKNOWN])

    queued = _fragment(client, job)
    assert 'hx-trigger="every 1s"' in queued and 'value="0"' in queued
    assert "Cancel" in queued and "Retry" not in queued

    refresh.run_refresh_job(job_id=job.pk)
    finished = _fragment(client, job)

    assert "hx-trigger" not in finished and 'value="100"' in finished
    assert "Succeeded" in finished or "succeeded" in finished
    assert re.search(r"<td>PMID 990000999</td><td>not found in PubMed</td>", finished)
    assert "Cancel" not in finished and "Retry the failed identifiers" not in finished
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="job-progress"' in page and "<script>" not in page.replace(" ", "")


def test_retry_queues_a_new_job_for_the_failed_identifiers_only(
    people, app_replay, quiet_queue, django_capture_on_commit_callbacks
):
    client = client_for(people.sam)
    app_replay.set_faults(Faults(rate_500=1.0))
    failed = refresh.run_refresh_job(job_id=_job(pmids=[KNOWN, 990000004]).pk)
    app_replay.set_faults(Faults())
    unknown = refresh.run_refresh_job(job_id=_job(pmids=[UNKNOWN]).pk)
    assert failed.status == "failed" and "Retry the failed identifiers" in _fragment(client, failed)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff:job-retry", args=[failed.pk]), follow=True)
    nothing = client.post(reverse("staff:job-retry", args=[unknown.pk]), follow=True)

    retry = RefreshJob.objects.get(retry_of=failed)
    assert response.redirect_chain[-1][0] == retry.get_absolute_url()
    assert (retry.pmids, retry.requested_by, retry.status) == (
        [KNOWN, 990000004],
        people.sam,
        "queued",
    )
    assert retry.celery_task_id
    assert f"job #{retry.pk}</a> (queued" in _fragment(client, failed)  # the retry under way
    assert "has no failed identifiers to retry" in nothing.content.decode()
    assert RefreshJob.objects.filter(retry_of=unknown).count() == 0


def test_cancelling_a_queued_job_ends_it_before_it_starts(people, app_replay):
    job = _job(pmids=[KNOWN])

    client_for(people.sam).post(reverse("staff:job-cancel", args=[job.pk]))
    run = refresh.run_refresh_job(job_id=job.pk)

    assert (run.status, run.done, run.started_at) == ("cancelled", 0, None)
    assert not [r for r in app_replay.requests if r.endpoint == "efetch"]


def test_cancelling_a_running_job_stops_it_between_batches(people, app_replay, settings):
    settings.REFRESH_BATCH_SIZE = 1
    job = _job(pmids=[KNOWN, 990000004, 990000003, UNKNOWN])
    client = client_for(people.sam)

    def cancel_after_first_batch(running: RefreshJob) -> None:
        if running.done == 1:
            client.post(reverse("staff:job-cancel", args=[running.pk]))

    run = refresh.run_refresh_job(job_id=job.pk, progress=cancel_after_first_batch)

    assert run.status == "cancelled" and run.finished_at
    assert run.done == 1 and stored_batches(run) == [0]  # the batch it had, whole
    fragment = _fragment(client, run)
    assert "hx-trigger" not in fragment
    assert "4 batches: 1 done, 3 cancelled." in fragment


def test_the_job_list_filters_by_status_in_few_queries(people, django_assert_max_num_queries):
    for status in ["queued", "running", "succeeded", "failed", "failed"] * 11:
        RefreshJob.objects.create(
            kind="import", trigger="staff", status=status, requested_by=people.sam
        )
    client = client_for(people.sam)

    with django_assert_max_num_queries(8):
        failed = client.get(reverse("staff:job-list"), {"status": "failed"}).content.decode()
    everything = client.get(reverse("staff:job-list")).content.decode()

    assert failed.count("job-status-failed") == 22 and "job-status-queued" not in failed
    assert everything.count('aria-label="job #') == 50  # one page
    assert "page 1 of 2" in everything and "Older" in everything
