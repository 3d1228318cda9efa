"""One job shared by several real worker processes; lost messages found again; retries."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from django.db.models import Count

from benchmarks.pubmed_xml import write_records
from eutils_replay import Faults, running_replay_server
from papers import refresh
from papers.models import Authorship, Paper, RefreshBatch, RefreshJob
from papers.tasks import enqueue_job, requeue_stale_jobs
from tests.pipeline.conftest import PUBMED_FIXTURES
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PMIDS = [990000001, 990000002, 990000004, 990000005, 990000998, 990000999]


def _finished(job_id: int) -> RefreshJob | None:
    job = RefreshJob.objects.get(pk=job_id)
    return job if job.is_finished else None


def test_two_workers_share_one_job_and_store_every_record_once(workers, tmp_path):
    pmids = write_records(tmp_path / "records", count=40, per_file=40)
    # Slow replies, so each worker is busy long enough for the other to take batches too; a
    # visibility timeout shorter than the job, which once made a whole job run twice at once:
    # each message is now one batch's step, acknowledged when that step is done.
    slow = Faults(rate_slow=1.0, slow_seconds=0.3)
    with running_replay_server(tmp_path / "records", faults=slow) as server:
        env = {
            "EUTILS_BASE_URL": server.base_url,
            "REFRESH_BATCH_SIZE": "4",
            "CELERY_VISIBILITY_TIMEOUT": "3",
        }
        workers.start("one", **env)
        workers.start("two", **env)
        job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="staff", pmids=pmids)
        enqueue_job(job)
        done = wait_for(lambda: _finished(job.pk), timeout=120, what="the shared job")
        efetches = [r for r in server.requests if r.endpoint == "efetch"]

    assert done.status == RefreshJob.Status.SUCCEEDED, workers.log("one") + workers.log("two")
    assert (done.new_count, done.done, done.total) == (40, 40, 40)
    batches = RefreshBatch.objects.filter(job=done)
    assert batches.count() == 10 and set(batches.values_list("status", flat=True)) == {"done"}
    hosts = {worker.split("@")[0] for worker in batches.values_list("worker", flat=True)}
    assert len(hosts) == 2, hosts  # both workers took batches
    assert len(efetches) == 10  # each batch fetched once
    assert done.duration_seconds and done.duration_seconds > 3  # longer than the timeout
    assert Paper.objects.filter(pmid__in=pmids).count() == 40
    duplicated = (
        Authorship.objects.values("paper_id", "position").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not duplicated.exists()


def test_under_mixed_faults_two_workers_lose_no_pmid(workers, tmp_path):
    """Omitted records, 429s, 500s and truncated replies on a third of the requests."""
    pmids = write_records(tmp_path / "records", count=60, per_file=60)
    faults = Faults(rate_omit=0.15, rate_429=0.1, rate_500=0.05, rate_truncated=0.05, seed=2)
    with running_replay_server(tmp_path / "records", faults=faults) as server:
        env = {
            "EUTILS_BASE_URL": server.base_url,
            "REFRESH_BATCH_SIZE": "6",
            "NCBI_MAX_ATTEMPTS": "8",
            "NCBI_BACKOFF_BASE_SECONDS": "0",
        }
        workers.start("one", **env)
        workers.start("two", **env)
        job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="staff", pmids=pmids)
        enqueue_job(job)
        done = wait_for(lambda: _finished(job.pk), timeout=180, what="the job under faults")
        faulted = [r.fault for r in server.requests if r.fault]

    assert done.status == RefreshJob.Status.SUCCEEDED, workers.log("one") + workers.log("two")
    assert (done.new_count, done.not_found_count, done.failed_count) == (60, 0, 0)
    assert Paper.objects.filter(pmid__in=pmids, fetch_state="fetched").count() == 60
    assert "omit" in faulted and len(faulted) >= 3


def test_a_job_whose_batch_messages_were_lost_is_found_and_dispatched_again(workers):
    with running_replay_server(PUBMED_FIXTURES) as server:
        job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="staff", pmids=PMIDS)
        refresh.start_job(job_id=job.pk)  # planned, as if its fetch messages then vanished
        # A job sent through Celery has its task id (an in-process run has none, and its
        # batches are never sent to workers behind its back).
        RefreshJob.objects.filter(pk=job.pk).update(celery_task_id="a-lost-message")
        workers.start("requeue", EUTILS_BASE_URL=server.base_url, REFRESH_BATCH_SIZE="2")
        time.sleep(0.05)

        requeued = requeue_stale_jobs(older_than=timedelta(0))
        done = wait_for(lambda: _finished(job.pk), timeout=60, what="the requeued batches")

    assert requeued == [job.pk]
    assert done.status == RefreshJob.Status.SUCCEEDED, workers.log("requeue")
    assert (done.new_count, done.not_found_count, done.done) == (4, 2, 6)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    wait_for(lambda: _answers(port), timeout=10, what="the rate limiter's Redis")
    return process


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs a redis-server binary")
def test_a_redis_blip_under_the_rate_limiter_retries_the_batch_and_loses_nothing(workers):
    """The rate limiter's Redis goes away mid-job and comes back: the batches that met it are
    fetched again later, not recorded as failed."""
    port = _free_port()
    limiter_redis = _redis_server(port)
    try:
        with running_replay_server(
            PUBMED_FIXTURES, faults=Faults(rate_slow=1.0, slow_seconds=0.5)
        ) as server:
            workers.start(
                "blip",
                EUTILS_BASE_URL=server.base_url,
                REFRESH_BATCH_SIZE="1",
                NCBI_RATE_LIMIT_REDIS_URL=f"redis://127.0.0.1:{port}/0",
                NCBI_MAX_ATTEMPTS="1",
                FETCH_RETRY_SECONDS="1",
            )
            job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="staff", pmids=PMIDS)
            enqueue_job(job)
            wait_for(
                lambda: RefreshJob.objects.get(pk=job.pk).done >= 1, timeout=60, what="a batch"
            )

            limiter_redis.kill()  # the blip: gone for about three seconds
            limiter_redis.wait(timeout=10)
            time.sleep(3)
            limiter_redis = _redis_server(port)
            done = wait_for(lambda: _finished(job.pk), timeout=120, what="the job after the blip")
    finally:
        limiter_redis.kill()
        limiter_redis.wait(timeout=10)

    log = workers.log("blip")
    assert done.status == RefreshJob.Status.SUCCEEDED, log
    assert "rate limiter (Redis) unavailable" in log and "retrying it later" in log
    assert (done.new_count, done.not_found_count, done.failed_count) == (4, 2, 0)
    assert Paper.objects.filter(pmid__in=PMIDS, fetch_state="fetched").count() == 4
