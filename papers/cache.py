"""Whole-page cache for the public pages, invalidated by a content version.

Anonymous GETs of the public pages are answered from Redis. Every cached page is stored with
the content version current when it was rendered; ``bump_content_version()`` replaces that
version whenever anything a page shows changes (signals in papers/apps.py: notes, therapies,
trials, reconstitution points, references, papers and what hangs off them; the pipeline calls
it after bulk writes, which send no signals), so the next request renders afresh. A hit costs
no SQL, and usually no Redis call either: the page comes from the process's own recent copy,
and the version is asked of Redis at most every quarter second per process
(``VERSION_CHECK_SECONDS``).

The version is a random token, not a counter: a lost or reset version key, or a test
database recreated under the same Redis, can never make an old page look current.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from redis import Redis
from redis.exceptions import RedisError

from irtkb.redis_clients import redis_client

logger = logging.getLogger(__name__)

VERSION_KEY = "irtkb:content-version"
PAGE_KEY_PREFIX = "irtkb:page:"
# Pages are invalidated by the version, not by age; the timeout lets Redis drop pages nobody
# asks for any more, and bounds staleness if Redis was unreachable when a bump was due.
PAGE_TIMEOUT_SECONDS = 60 * 60


def bump_content_version() -> None:
    """Mark every cached page stale: call after writing anything the public pages show.

    Bumps now and again when the surrounding transaction commits: a page rendered between
    the two from not yet committed data is then not kept under the final version.
    """
    _set_new_version()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_set_new_version)


def _versions() -> Redis:
    """Return the raw Redis client of the cache's server, for the hot version lookup.

    The version is read on every public request; a plain GET on a kept connection is several
    times cheaper than Django's cache layer (key mangling, pickling, a client per call).
    """
    return redis_client(settings.CACHES["default"]["LOCATION"])


# How long a process trusts the version it last read before asking Redis again. A change made
# in this process is seen at once (it sets the version it knows); one made in another process
# (a worker's refresh, another web worker's admin save) within this many seconds. Asking on
# every request was the single largest cost of a cache hit (docs/benchmarks.md).
VERSION_CHECK_SECONDS = 0.25
_known_version: tuple[str | None, float] = (None, float("-inf"))


def _current_version() -> str | None:
    global _known_version
    version, read_at = _known_version
    now = time.monotonic()
    if version is not None and now - read_at < VERSION_CHECK_SECONDS:
        return version
    value = _versions().get(VERSION_KEY)
    version = value.decode() if value is not None else None
    _known_version = (version, now)
    return version


def _set_new_version() -> None:
    global _known_version
    version = secrets.token_hex(8)
    _known_version = (version, time.monotonic())
    try:
        _versions().set(VERSION_KEY, version)
    except RedisError:
        # Never fail a curator's save over the cache; pages then expire by age at the latest.
        logger.exception("Could not mark cached pages stale")


# The process's own copy of the pages it served last, checked against the shared version on
# every request: a hit then costs one small Redis GET instead of moving the whole page (often
# 100 KB) out of Redis and unpickling it.
_recent_pages: dict[str, tuple[str, str, bytes]] = {}
RECENT_PAGES_PER_PROCESS = 64


def _remember(key: str, entry: tuple[str, str, bytes]) -> None:
    if key not in _recent_pages and len(_recent_pages) >= RECENT_PAGES_PER_PROCESS:
        _recent_pages.clear()  # crude but bounded; the popular pages come straight back
    _recent_pages[key] = entry


def _page_key(request: HttpRequest) -> str:
    # The full path with its query string: ?page=2 or ?year=2014 are different pages.
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return PAGE_KEY_PREFIX + digest


def _cacheable(request: HttpRequest) -> bool:
    # Signed-in users (curators, staff) always see the page as rendered now. An anonymous
    # request without a session cookie does not touch the database to find that out.
    return request.method in ("GET", "HEAD") and not request.user.is_authenticated


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view``'s successful anonymous GET responses from the page cache."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        try:
            version = _current_version()
            if version is None:  # fresh Redis: start a version so pages can be stored under it
                _set_new_version()
                return view(request, *args, **kwargs)
            entry = _recent_pages.get(key)
            if entry is None or entry[0] != version:
                entry = cache.get(key)
        except RedisError:
            logger.warning("Page cache unavailable; rendering %s", request.path, exc_info=True)
            return view(request, *args, **kwargs)
        if entry is not None and entry[0] == version:
            _remember(key, entry)
            response = HttpResponse(entry[2], content_type=entry[1])
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        # Only plain 200 pages: redirects and errors are cheap and must never stick.
        if response.status_code == 200 and not response.streaming and not response.cookies:
            try:
                entry = (version, response["Content-Type"], response.content)
                cache.set(key, entry, PAGE_TIMEOUT_SECONDS)
                _remember(key, entry)
            except RedisError:
                logger.warning("Could not cache %s", request.path, exc_info=True)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
