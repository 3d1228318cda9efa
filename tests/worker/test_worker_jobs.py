"""Refresh jobs through a real Celery worker and real Redis: delivery, redelivery, broker down."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from eutils_replay import Faults, running_replay_server
from papers import refresh
from papers.models import Paper, PaperChange, RefreshJob
from papers.tasks import BROKER_DOWN, enqueue_job
from tests.factories import stored_batches
from tests.pipeline.conftest import PUBMED_FIXTURES
from tests.worker.conftest import BASE_DIR, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PMIDS = [990000001, 990000002, 990000004, 990000005, 990000998, 990000999]


def _job(pmids=PMIDS) -> RefreshJob:
    return refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="admin", pmids=pmids)


def _state(job_id: int) -> RefreshJob:
    return RefreshJob.objects.get(pk=job_id)


def test_a_queued_job_is_run_by_a_worker(workers):
    with running_replay_server(PUBMED_FIXTURES) as server:
        workers.start("a", EUTILS_BASE_URL=server.base_url)
        job = _job()
        enqueue_job(job)  # autocommit here, so it is sent at once

        done = wait_for(
            lambda: _state(job.pk).is_finished and _state(job.pk),
            timeout=60,
            what="the worker to finish the job",
        )

    assert done.status == RefreshJob.Status.SUCCEEDED, workers.log("a")
    assert (done.new_count, done.not_found_count, done.done, done.total) == (4, 2, 6, 6)
    assert done.celery_task_id
    assert Paper.objects.filter(pmid__in=PMIDS).count() == 4


def test_a_worker_killed_mid_job_leaves_no_partial_rows_and_the_job_completes(workers):
    # One PMID per batch and slow replies, so the kill lands between batches of a running job.
    slow = Faults(rate_slow=1.0, slow_seconds=1.0)
    with running_replay_server(PUBMED_FIXTURES, faults=slow) as server:
        env = {
            "EUTILS_BASE_URL": server.base_url,
            "REFRESH_BATCH_SIZE": "1",
            "CELERY_VISIBILITY_TIMEOUT": "3",
        }
        first = workers.start("first", **env)
        job = _job()
        enqueue_job(job)
        wait_for(lambda: _state(job.pk).done >= 2, timeout=60, what="two batches stored")

        workers.kill(first)
        killed = _state(job.pk)
        assert killed.status == RefreshJob.Status.RUNNING and killed.done < killed.total
        stored_before = set(stored_batches(killed))
        # Every batch ticked off is wholly stored; nothing else is.
        assert Paper.objects.count() == len([i for i in stored_before if PMIDS[i] < 990000900])

        server.set_faults(Faults())
        workers.start("second", **env)
        done = wait_for(
            lambda: _state(job.pk).is_finished and _state(job.pk),
            timeout=90,
            what="redelivery to finish the job",
        )
        fetched = [r.ids for r in server.requests if r.endpoint == "efetch" and r.status == 200]

    assert done.status == RefreshJob.Status.SUCCEEDED, workers.log("second")
    assert (done.done, done.total, done.new_count, done.not_found_count) == (6, 6, 4, 2)
    assert stored_batches(done) == [0, 1, 2, 3, 4, 5]
    assert Paper.objects.filter(pmid__in=PMIDS).count() == 4  # no duplicates
    assert not PaperChange.objects.exists()  # nothing was stored twice as a "change"
    # Batches stored before the kill were not fetched again; at most the one batch the killed
    # worker was fetching (or had fetched and not yet stored) was fetched twice. The two
    # unknown PMIDs are asked for twice each (the re-ask for what a reply left out).
    assert len(fetched) <= len(PMIDS) + 2 + 1


def test_a_broker_that_is_down_fails_the_job_with_a_clear_reason(workers):
    """`import_pubmed --queue` with Redis unreachable: a clear error, and the job row is kept."""
    env = {**os.environ, **workers.env, "REDIS_URL": "redis://127.0.0.1:1/0"}  # nothing on port 1
    result = subprocess.run(
        [sys.executable, "manage.py", "import_pubmed", "--pmid", "990000001", "--queue"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert BROKER_DOWN in result.stderr
    failed = RefreshJob.objects.get()
    assert failed.status == RefreshJob.Status.FAILED
    assert failed.errors["_queue"].startswith(BROKER_DOWN)
    assert failed.identifiers["pmids"] == [990000001]  # the request is kept for a retry
