"""What /healthz and the admin's status page report: database, Redis, workers, queue, refreshes.

Each check answers within about a second whatever is down, and none reveals a secret: the
NCBI API key is reported as set or not, never its value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from redis import Redis
from redis.exceptions import RedisError

from irtkb import heartbeat
from irtkb.queues import job_queue_names
from irtkb.redis_clients import redis_client
from papers.models import RefreshJob

HEALTH_TIMEOUT_SECONDS = 1.0
# kombu's Redis transport keeps a queue's messages of priority p > 0 in "<queue>\x06\x16<p>".
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


@dataclass
class Health:
    """The report: ``healthy`` when the database, Redis and at least one worker answer."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return all(self.checks[name]["ok"] for name in ("database", "redis", "worker"))

    def as_dict(self) -> dict[str, Any]:
        return {"status": "ok" if self.healthy else "unhealthy", "checks": self.checks}


def check_health() -> Health:
    """Run every check; a failing one is reported in words, never raised."""
    health = Health()
    health.checks["database"] = _timed(_database)
    health.checks["redis"] = _timed(_redis)
    redis_up = health.checks["redis"]["ok"]
    health.checks["worker"] = _workers() if redis_up else _down("Redis is unreachable")
    health.checks["queue"] = _queue() if redis_up else _down("Redis is unreachable")
    health.checks["last_refresh"] = (
        _last_refresh() if health.checks["database"]["ok"] else _down("database unreachable")
    )
    key_set: bool = bool(settings.NCBI_API_KEY)
    health.checks["ncbi_api_key"] = {"ok": True, "set": key_set}
    return health


def _down(reason: str) -> dict[str, Any]:
    return {"ok": False, "error": reason}


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.monotonic()
    result = check()
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return _down("the database does not answer")
    return {"ok": True}


def _broker() -> Redis:
    return redis_client(settings.REDIS_URL, timeout=HEALTH_TIMEOUT_SECONDS)


def _redis() -> dict[str, Any]:
    try:
        _broker().ping()
    except (RedisError, OSError):
        return _down("Redis does not answer")
    return {"ok": True}


def _workers() -> dict[str, Any]:
    try:
        live = heartbeat.live_workers(settings.REDIS_URL)
    except (RedisError, OSError):
        return _down("Redis does not answer")
    if not live:
        return {
            **_down(f"no worker heartbeat in the last {heartbeat.HEARTBEAT_TTL_SECONDS} s"),
            "workers": {},
        }
    return {"ok": True, "workers": live}


def _queue() -> dict[str, Any]:
    """Messages waiting in a job's queues: planning (``name``), fetch and store."""
    name = settings.REFRESH_QUEUE
    queues = job_queue_names(name, settings.PUBMED_FETCH_QUEUE, settings.STORE_QUEUE)
    try:
        client = _broker()
        by_queue = {
            queue: sum(client.llen(queue + suffix) for suffix in _PRIORITY_SUFFIXES)
            for queue in queues
        }
    except (RedisError, OSError):
        return _down("Redis does not answer")
    return {"ok": True, "name": name, "waiting": sum(by_queue.values()), "queues": by_queue}


def _last_refresh() -> dict[str, Any]:
    try:
        job = (
            RefreshJob.objects.filter(
                status__in=[RefreshJob.Status.SUCCEEDED, RefreshJob.Status.PARTIAL],
                finished_at__isnull=False,
            )
            .order_by("-finished_at")
            .only("pk", "finished_at", "status")
            .first()
        )
    except DatabaseError:
        return _down("the database does not answer")
    if job is None:
        return {"ok": True, "finished_at": None, "job": None}
    assert job.finished_at is not None
    return {
        "ok": True,
        "finished_at": job.finished_at.isoformat(),
        "job": job.pk,
        "status": job.status,
    }
