"""A Redis that accepts connections and never answers must not hang `import_pubmed --queue`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from papers.models import RefreshJob
from papers.tasks import BROKER_DOWN
from tests.worker.conftest import BASE_DIR

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@contextmanager
def frozen_redis() -> Iterator[int]:
    """Listen on a free port, accept every connection, read what is sent, never reply."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            held.append(client)  # kept open and silent, as a frozen Redis would

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for client in held:
            client.close()
        server.close()


def test_a_frozen_broker_fails_the_queueing_in_seconds_with_a_clear_reason(workers):
    with frozen_redis() as port:
        env = {**os.environ, **workers.env, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "manage.py", "import_pubmed", "--pmid", "990000001", "--queue"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        took = time.monotonic() - started

    assert result.returncode != 0, result.stdout
    assert BROKER_DOWN in result.stderr, result.stderr[-2000:]
    assert took < 45, f"took {took:.0f} s"
    failed = RefreshJob.objects.get()
    assert failed.status == RefreshJob.Status.FAILED and failed.pmids == [990000001]
