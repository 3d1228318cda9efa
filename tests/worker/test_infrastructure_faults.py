"""A batch whose database connection is killed mid-store is retried and stored once."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from eutils_replay import running_replay_server
from papers import refresh
from papers.models import Paper, PaperChange, RefreshJob
from papers.tasks import dispatch_batches
from tests.pipeline.conftest import PUBMED_FIXTURES
from tests.worker.conftest import database_url_for_test_db, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PMIDS = [990000001, 990000002, 990000004, 990000005, 990000998, 990000999]


def _backend_waiting_on_a_lock() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_dropped_database_connection_retries_the_batch_and_it_completes(workers):
    with running_replay_server(PUBMED_FIXTURES) as server:
        workers.start("db", EUTILS_BASE_URL=server.base_url)
        job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="staff", pmids=PMIDS)
        refresh.start_job(job_id=job.pk)  # planned here: one batch of six
        # Hold the job row, so the worker's store waits on it mid-transaction, then cut that
        # connection the way a failover or pg_terminate_backend does.
        with psycopg.connect(database_url_for_test_db()) as holder:
            holder.execute("SELECT 1 FROM papers_refreshjob WHERE id = %s FOR UPDATE", [job.pk])
            dispatch_batches(job_id=job.pk)
            waiting = wait_for(_backend_waiting_on_a_lock, timeout=60, what="the store to wait")
            _terminate(waiting)
            holder.rollback()
        done = wait_for(
            lambda: (j := RefreshJob.objects.get(pk=job.pk)).is_finished and j,
            timeout=90,
            what="the retried batch to finish the job",
        )

    log = workers.log("db")
    assert done.status == RefreshJob.Status.SUCCEEDED, log
    assert "storing batch" in log and "; retrying it" in log
    assert (done.done, done.total, done.new_count, done.not_found_count) == (6, 6, 4, 2)
    assert "_job" not in done.errors
    assert Paper.objects.filter(pmid__in=PMIDS).count() == 4
    assert not PaperChange.objects.exists()  # nothing stored twice
