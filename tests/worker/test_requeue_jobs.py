"""A job whose message was lost (Redis lost its data) is found by requeue_jobs and runs."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from eutils_replay import running_replay_server
from papers import refresh
from papers.models import RefreshJob
from tests.pipeline.conftest import PUBMED_FIXTURES
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _queued_job(*, minutes_ago: int) -> RefreshJob:
    # Created and "queued", but never sent: the same as a message Redis lost.
    job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="staff", pmids=[990000001])
    created = job.created_at - dt.timedelta(minutes=minutes_ago)
    RefreshJob.objects.filter(pk=job.pk).update(created_at=created)
    return job


def test_requeue_jobs_sends_lost_jobs_again_and_a_worker_runs_them(workers):
    lost, recent = _queued_job(minutes_ago=45), _queued_job(minutes_ago=1)
    with running_replay_server(PUBMED_FIXTURES) as server:
        workers.start("requeue", EUTILS_BASE_URL=server.base_url)
        out = io.StringIO()
        call_command("requeue_jobs", "--older-than-minutes", "30", stdout=out)
        done = wait_for(
            lambda: (j := RefreshJob.objects.get(pk=lost.pk)).is_finished and j,
            timeout=60,
            what="the re-sent job to run",
        )

    assert out.getvalue().strip() == f"sent again: job #{lost.pk}"
    assert done.status == "succeeded" and done.new_count == 1, workers.log("requeue")
    assert RefreshJob.objects.get(pk=recent.pk).status == "queued"  # not yet suspicious


def test_requeue_jobs_says_so_when_nothing_waits(transactional_db):
    out = io.StringIO()
    call_command("requeue_jobs", stdout=out)
    assert out.getvalue().strip() == "no job has been waiting that long"
