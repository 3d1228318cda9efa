"""The worker's heartbeat: each Celery worker writes a short-lived key in Redis while it lives.

/healthz (papers/health.py) reads the keys instead of broadcasting a ping: a ping waits for
its timeout whenever no worker answers, and a health check must answer at once. A worker
killed hard stops writing, and its key expires after ``HEARTBEAT_TTL_SECONDS``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from redis.exceptions import RedisError

from irtkb.redis_clients import redis_client

logger = logging.getLogger(__name__)

HEARTBEAT_PREFIX = "irtkb:worker-heartbeat:"
HEARTBEAT_INTERVAL_SECONDS = 10.0
HEARTBEAT_TTL_SECONDS = 30


def beat_once(redis_url: str, hostname: str) -> None:
    """Write (or renew) ``hostname``'s heartbeat key: the time it was written, expiring."""
    redis_client(redis_url).set(
        HEARTBEAT_PREFIX + hostname, f"{time.time():.3f}", ex=HEARTBEAT_TTL_SECONDS
    )


def start(redis_url: str, hostname: str, interval: float = HEARTBEAT_INTERVAL_SECONDS) -> None:
    """Keep writing the heartbeat from a daemon thread until the process exits."""

    def run() -> None:
        while True:
            try:
                beat_once(redis_url, hostname)
            except RedisError as exc:  # Redis down: health reports it; keep trying
                logger.warning("worker heartbeat not written: %s", exc)
            time.sleep(interval)

    threading.Thread(target=run, name="irtkb-heartbeat", daemon=True).start()


def live_workers(redis_url: str) -> dict[str, float]:
    """Return {worker hostname: seconds since its last heartbeat} for every live worker."""
    client = redis_client(redis_url)
    now = time.time()
    found = {}
    for key in client.scan_iter(match=HEARTBEAT_PREFIX + "*", count=100):
        value = client.get(key)
        if value is not None:
            name = key.decode().removeprefix(HEARTBEAT_PREFIX)
            found[name] = round(max(0.0, now - float(value)), 1)
    return found


def forget(redis_url: str, hostname: str) -> None:
    """Remove ``hostname``'s heartbeat (a clean shutdown); Redis down leaves it to expire."""
    with contextlib.suppress(RedisError):
        redis_client(redis_url).delete(HEARTBEAT_PREFIX + hostname)
