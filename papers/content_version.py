"""The content version: one token that changes whenever anything the public pages show changes.

Writers (model signals in papers/apps.py, the pipeline's bulk writes in papers/ingest.py) state
the fact with ``mark_content_changed()``; readers (the page cache, papers/cache.py) compare
``current_content_version()`` with the version a stored page was rendered under. Neither side
knows the other: this module sits below models, pipeline and web alike.

Inside a transaction the new version is published once, when the outermost transaction
commits (``transaction.on_commit``), however many writes marked it: a batch of 200 papers,
its authors, MeSH headings, change log and flagged notes is one version change, not one per
write. Until the commit other processes cannot see the new rows, so a page they render
meanwhile is rightly kept under the old version; a rolled-back transaction changes nothing.

The version is a random token, not a counter: a lost or reset key, or a test database
recreated under the same Redis, can never make an old page look current.
"""

from __future__ import annotations

import logging
import secrets
import time

from django.conf import settings
from django.db import transaction
from redis import Redis
from redis.exceptions import RedisError

from irtkb.redis_clients import redis_client

logger = logging.getLogger(__name__)

VERSION_KEY = "irtkb:content-version"
# How long a process trusts the version it last read before asking Redis again. A change made
# in this process is seen at once (it sets the version it knows); one made in another process
# (a worker's refresh, another web worker's admin save) within this many seconds. Asking on
# every request was the single largest cost of a cache hit (docs/benchmarks.md).
VERSION_CHECK_SECONDS = 0.25
_known_version: tuple[str | None, float] = (None, float("-inf"))


def mark_content_changed() -> None:
    """Say that something the public pages show has changed.

    Outside a transaction the version changes at once. Inside one it changes when the
    transaction commits, and only once per transaction however often this is called.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        new_content_version()
        return
    # Django drops the callbacks of a savepoint that rolls back, so a callback still listed
    # here will run at commit; scanning the (short) list is what keeps it to one.
    if any(func is _publish_on_commit for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_publish_on_commit)


def new_content_version() -> str:
    """Replace the version now, whatever the transaction, and return it.

    For writers use ``mark_content_changed()``; this is for a reader that finds no version
    yet (a fresh Redis) and for tests that must start with no page current.
    """
    global _known_version
    version = secrets.token_hex(8)
    _known_version = (version, time.monotonic())
    try:
        _versions().set(VERSION_KEY, version)
    except RedisError:
        # Never fail a curator's save over the cache; pages then expire by age at the latest.
        logger.exception("Could not mark cached pages stale")
    return version


def current_content_version() -> str | None:
    """Return the current version (None if Redis has none); raise RedisError if unreachable.

    The version last read or set by this process is trusted for ``VERSION_CHECK_SECONDS``.
    """
    global _known_version
    version, read_at = _known_version
    now = time.monotonic()
    if version is not None and now - read_at < VERSION_CHECK_SECONDS:
        return version
    value = _versions().get(VERSION_KEY)
    version = value.decode() if value is not None else None
    _known_version = (version, now)
    return version


def _publish_on_commit() -> None:
    new_content_version()


def _versions() -> Redis:
    """Return the raw Redis client of the cache's server, for the hot version lookup.

    The version is read on every public request; a plain GET on a kept connection is several
    times cheaper than Django's cache layer (key mangling, pickling, a client per call).
    """
    return redis_client(settings.CACHES["default"]["LOCATION"])
