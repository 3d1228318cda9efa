"""Real Celery worker processes against the test database and real Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from irtkb.queues import job_queue_names

BASE_DIR = Path(__file__).resolve().parents[2]


def database_url_for_test_db() -> str:
    """Return a DATABASE_URL naming the test database pytest-django created."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    if host.startswith("/"):  # a Unix socket directory, in libpq's case-preserving ?host= form
        return f"postgresql://{db['USER']}@{port}/{db['NAME']}?host={quote(host, safe='/')}"
    return f"postgresql://{db['USER']}@{host}{port}/{db['NAME']}"


class Workers:
    """Start and kill worker processes listening on one queue of this test's own."""

    def __init__(self, tmp_path: Path, queue: str, env: dict[str, str]):
        self.tmp_path, self.queue, self.env = tmp_path, queue, env
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str, **extra_env: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"worker-{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "irtkb",
                "worker",
                "-Q",
                ",".join(job_queue_names(self.queue)),
                "-n",
                f"{name}-{self.queue}@%h",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env={**os.environ, **self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool children: no chance to ack or clean up."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.tmp_path / f"worker-{name}.log").read_text()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                # The main process only: its warm shutdown ends the pool children, which then
                # exit cleanly (and save their coverage data); SIGKILL below if that hangs.
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def workers(tmp_path, settings, transactional_db):
    queue = f"test-{uuid.uuid4().hex[:10]}"
    settings.REFRESH_QUEUE = queue
    env = {
        "DATABASE_URL": database_url_for_test_db(),
        "REDIS_URL": settings.REDIS_URL,
        "REFRESH_QUEUE": queue,
        "DEBUG": "1",
    }
    pool = Workers(tmp_path, queue, env)
    yield pool
    pool.stop_all()


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


__all__ = ["Workers", "settings", "wait_for"]


@pytest.fixture
def quiet_queue(settings):
    """A queue of this test's own, which no worker listens on: jobs are sent, never run."""
    settings.REFRESH_QUEUE = f"test-unheard-{uuid.uuid4().hex[:10]}"
    yield settings.REFRESH_QUEUE
    from irtkb.celery import app

    with app.connection_for_write() as connection:
        for name in job_queue_names(settings.REFRESH_QUEUE):
            connection.SimpleQueue(name).clear()
