"""Watch real Redis for changes of the content version (the page cache's staleness token)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from irtkb.redis_clients import redis_client
from papers.content_version import VERSION_KEY


@contextmanager
def content_version_writes() -> Iterator[list[str]]:
    """Yield a list that fills with every new content version written inside the block.

    Redis's MONITOR reports each command the server runs, so this counts the writes that really
    reach Redis (from any process), not calls of our own functions. Only this test run's
    database number is watched: other runs may share the server.
    """
    client = redis_client(settings.CACHES["default"]["LOCATION"])
    db = client.connection_pool.connection_kwargs.get("db", 0)
    stop = f"irtkb:test:stop-monitor:{uuid.uuid4().hex}"
    writes: list[str] = []
    listening = threading.Event()

    def watch() -> None:
        with client.monitor() as monitor:
            listening.set()
            for command in monitor.listen():
                words = command["command"].split()
                if stop in words:
                    return
                if command["db"] == db and words[:2] == ["SET", VERSION_KEY]:
                    writes.append(words[2])

    watcher = threading.Thread(target=watch, name="content-version-monitor", daemon=True)
    watcher.start()
    if not listening.wait(timeout=10):
        raise RuntimeError("Redis MONITOR did not start")
    try:
        yield writes
    finally:
        client.get(stop)  # the watcher sees this last and stops: every earlier write is in
        watcher.join(timeout=10)
