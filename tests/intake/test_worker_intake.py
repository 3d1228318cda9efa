"""A watched search's import job delivered by a real Celery worker over real Redis."""

from __future__ import annotations

import datetime as dt

import pytest

from papers.intake.watch import run_watched_search
from papers.models import IntakeItem, Paper, RefreshJob
from tests.intake.conftest import ALEMTUZUMAB_PMIDS
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_fetches_what_a_watched_search_found(workers, intake_replay, watched):
    workers.start("intake", EUTILS_BASE_URL=intake_replay.base_url, NCBI_API_KEY="replay-key")

    run = run_watched_search(
        watched, trigger=RefreshJob.Trigger.SCHEDULE, today=dt.date(2024, 1, 31)
    )

    job = wait_for(
        lambda: (j := RefreshJob.objects.get(pk=run.job_id)).is_finished and j,
        timeout=60,
        what="the worker to run the watched search's import job",
    )
    assert job.status == RefreshJob.Status.SUCCEEDED, workers.log("intake")
    fetched = Paper.objects.filter(pmid__in=ALEMTUZUMAB_PMIDS, fetch_state=Paper.FetchState.FETCHED)
    assert fetched.count() == 5
    assert IntakeItem.objects.untriaged().filter(paper__in=fetched).count() == 5
