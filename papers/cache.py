"""Whole-page cache for the public pages, invalidated by the content version.

Anonymous GETs of the public pages are answered from Redis. Every cached page is stored with
the content version current when it was rendered (papers/content_version.py); whatever
changes what a page shows changes that version (signals in papers/apps.py for model saves,
the pipeline once per committed batch for its bulk writes), so the next request renders
afresh. A hit costs no SQL, and usually no Redis call either: the page comes from the
process's own recent copy, and the version is asked of Redis at most every quarter second
per process (``content_version.VERSION_CHECK_SECONDS``).

A page is keyed on its path and only the query parameters its view reads (``params``); any
other parameter is dropped from the request before the view runs, so ``/?junk=1`` is the
same page, under the same key, as ``/``, and made-up URLs cannot fill the cache. The pages
live in the ``pages`` cache (settings.CACHES): bounded and evicting, and never the Redis that
is the Celery broker.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, QueryDict
from redis.exceptions import RedisError

from papers.content_version import current_content_version, new_content_version

logger = logging.getLogger(__name__)

PAGE_KEY_PREFIX = "irtkb:page:"
# Pages are invalidated by the version, not by age; the timeout lets Redis drop pages nobody
# asks for any more, and bounds staleness if Redis was unreachable when a change was due.
PAGE_TIMEOUT_SECONDS = 60 * 60
# A page larger than this is served but not stored: the cache's bound is in entries.
MAX_CACHED_PAGE_BYTES = 1024 * 1024
PAGE_CACHE = "pages"
ORIGINAL_QUERY_KEY = "irtkb.original_query_string"


# The process's own copy of the pages it served last, checked against the shared version on
# every request: a hit then costs one small Redis GET instead of moving the whole page (often
# 100 KB) out of Redis and unpickling it.
_recent_pages: dict[str, tuple[str, str, bytes]] = {}
RECENT_PAGES_PER_PROCESS = 64


def _remember(key: str, entry: tuple[str, str, bytes]) -> None:
    if key not in _recent_pages and len(_recent_pages) >= RECENT_PAGES_PER_PROCESS:
        _recent_pages.clear()  # crude but bounded; the popular pages come straight back
    _recent_pages[key] = entry


def _keep_only(request: HttpRequest, params: tuple[str, ...]) -> None:
    """Drop every query parameter but ``params`` from ``request``, in a canonical order.

    The view (and the templates it renders, e.g. the login link's ``?next=``) then sees
    exactly what the cache key holds, so a stored page never shows a parameter of the
    request that happened to render it.
    """
    pairs = [(name, value) for name in sorted(set(params)) for value in request.GET.getlist(name)]
    query = urlencode(pairs)
    request.META.setdefault(ORIGINAL_QUERY_KEY, request.META.get("QUERY_STRING", ""))
    request.GET = cast(Any, QueryDict(query))  # immutable, as Django's own
    request.META["QUERY_STRING"] = query


def original_query_string(request: HttpRequest) -> str:
    """The query string as the client sent it, for a redirect that must keep all of it."""
    return str(request.META.get(ORIGINAL_QUERY_KEY, request.META.get("QUERY_STRING", "")))


def _page_key(request: HttpRequest) -> str:
    # The path with the parameters the view reads (_keep_only ran first): ?page=2 or
    # ?year=2014 are different pages, ?utm_source=x is not.
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return PAGE_KEY_PREFIX + digest


def _cacheable(request: HttpRequest) -> bool:
    # Signed-in users (curators, staff) always see the page as rendered now. An anonymous
    # request without a session cookie does not touch the database to find that out.
    return request.method in ("GET", "HEAD") and not request.user.is_authenticated


View = Callable[..., HttpResponse]


def cached_page(view: View | None = None, *, params: tuple[str, ...] = ()) -> Any:
    """Serve ``view``'s successful anonymous GET responses from the page cache.

    ``@cached_page`` for a view that reads no query parameter, ``@cached_page(params=("page",))``
    for one that does; parameters not named are dropped before the view runs.
    """
    if view is None:
        return lambda inner: _cached(inner, tuple(params))
    return _cached(view, tuple(params))


def _cached(view: View, params: tuple[str, ...]) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _keep_only(request, params)
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
                entry = caches[PAGE_CACHE].get(key)
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
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and len(response.content) <= MAX_CACHED_PAGE_BYTES
        ):
            try:
                entry = (version, response["Content-Type"], response.content)
                caches[PAGE_CACHE].set(key, entry, PAGE_TIMEOUT_SECONDS)
                _remember(key, entry)
            except RedisError:
                logger.warning("Could not cache %s", request.path, exc_info=True)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
