"""Whole-page cache for the public pages, invalidated by the content version.

Anonymous GETs of the public pages are answered from Redis. Every cached page is stored with
the content version current when it was rendered (papers/content_version.py); whatever
changes what a page shows changes that version (signals in papers/apps.py for model saves,
the pipeline once per committed batch for its bulk writes), so the next request renders
afresh. A hit costs no SQL, and usually no Redis call either: the page comes from the
process's own recent copy, and the version is asked of Redis at most every quarter second
per process (``content_version.VERSION_CHECK_SECONDS``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError

from papers.content_version import current_content_version, new_content_version

logger = logging.getLogger(__name__)

PAGE_KEY_PREFIX = "irtkb:page:"
# Pages are invalidated by the version, not by age; the timeout lets Redis drop pages nobody
# asks for any more, and bounds staleness if Redis was unreachable when a change was due.
PAGE_TIMEOUT_SECONDS = 60 * 60


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
            version = current_content_version()
            if version is None:  # fresh Redis: start a version so pages can be stored under it
                new_content_version()
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
