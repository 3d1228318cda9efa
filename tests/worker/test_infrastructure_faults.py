"""A job whose database connection is killed mid-run retries from its checkpoint and completes."""

from __future__ import annotations

import pytest
from django.db import connection

from eutils_replay import Faults, running_replay_server
from papers import refresh
from papers.models import Paper, PaperChange, RefreshJob
from papers.tasks import enqueue_job
from tests.pipeline.conftest import PUBMED_FIXTURES
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PMIDS = [990000001, 990000002, 990000004, 990000005, 990000998, 990000999]


def _terminate_other_backends() -> int:
    """pg_terminate_backend every other connection to the test database (the worker's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_dropped_database_connection_retries_the_job_and_it_completes(workers):
    slow = Faults(rate_slow=1.0, slow_seconds=1.0)
    with running_replay_server(PUBMED_FIXTURES, faults=slow) as server:
        workers.start("db", EUTILS_BASE_URL=server.base_url, REFRESH_BATCH_SIZE="1")
        job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="staff", pmids=PMIDS)
        enqueue_job(job)
        wait_for(lambda: RefreshJob.objects.get(pk=job.pk).done >= 2, timeout=60, what="batches")

        assert _terminate_other_backends() >= 1
        server.set_faults(Faults())
        done = wait_for(
            lambda: (j := RefreshJob.objects.get(pk=job.pk)).is_finished and j,
            timeout=90,
            what="the retried job to finish",
        )

    log = workers.log("db")
    assert done.status == RefreshJob.Status.SUCCEEDED, log
    assert "retrying it from its checkpoint" in log
    assert (done.done, done.total, done.new_count, done.not_found_count) == (6, 6, 4, 2)
    assert "_job" not in done.errors
    assert Paper.objects.filter(pmid__in=PMIDS).count() == 4
    assert not PaperChange.objects.exists()  # nothing stored twice
