"""One Redis client per URL and process, shared by the rate limiter and the page cache."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import redis

_clients: dict[tuple[str, float], redis.Redis] = {}
_clients_lock = threading.Lock()


def redis_client(url: str, timeout: float = 10) -> redis.Redis:
    """Return a (cached) Redis client for ``url``, including kombu's ``redis+socket://`` form.

    The embedded Redis (irtkb/embedded.py) is reached over a Unix socket and its URL is
    written for Celery/kombu as ``redis+socket:///path/redis.sock``, which redis-py does not
    parse; it knows the same thing as ``unix:///path/redis.sock``. ``timeout`` bounds each
    call in seconds (the health check asks for a short one).
    """
    with _clients_lock:
        client = _clients.get((url, timeout))
        if client is None:
            client = _clients[(url, timeout)] = _build_client(url, timeout)
        return client


def _build_client(url: str, timeout: float) -> redis.Redis:
    parts = urlsplit(url)
    connect_timeout = min(timeout, 5)
    if parts.scheme in ("redis+socket", "unix"):
        query = parse_qs(parts.query)
        db = (query.get("db") or query.get("virtual_host") or ["0"])[0]
        return redis.Redis(
            unix_socket_path=parts.path,
            db=int(db or 0),
            socket_timeout=timeout,
            socket_connect_timeout=connect_timeout,
        )
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=connect_timeout)
