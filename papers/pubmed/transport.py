"""Send one E-utilities request through Bio.Entrez: rate limit, timeout, checks, retries."""

from __future__ import annotations

import http.client
import logging
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.error import HTTPError, URLError

from Bio import Entrez
from lxml import etree

from papers.pubmed import redirect
from papers.pubmed.config import NcbiConfig
from papers.pubmed.errors import PermanentNcbiError, TransientNcbiError
from papers.pubmed.ratelimit import RedisRateLimiter
from papers.pubmed.safe_xml import parse_xml

logger = logging.getLogger(__name__)

# The E-utilities the client uses; anything else is a programming error, not a request.
_ENDPOINTS = ("efetch", "esearch", "elink")


@dataclass(frozen=True)
class Reply:
    """A checked reply: its parsed root (the only parse of it), the bytes it was parsed from
    (for a worker that hands the reply on to another), and how many requests it took."""

    root: etree._Element
    attempts: int
    body: bytes = b""


class _RetryableFailure(Exception):
    """One attempt failed in a way that may pass if tried again."""


def request_xml(
    endpoint: str,
    *,
    params: dict[str, object],
    identifiers: Sequence[object],
    expect_root: str,
    config: NcbiConfig,
) -> Reply:
    """Call ``Bio.Entrez.<endpoint>(**params)`` until it returns well-formed ``expect_root`` XML.

    Each attempt first takes a slot from the shared rate limit. HTTP 429 and 5xx, timeouts,
    connection errors, empty, truncated or malformed XML, an unexpected root element and
    ``<ERROR>`` replies (which NCBI sends with HTTP 200) are retried with exponential backoff
    and jitter; after ``config.max_attempts`` a TransientNcbiError names the identifiers and
    the last reason. Other HTTP 4xx replies raise PermanentNcbiError at once.
    """
    if endpoint not in _ENDPOINTS:
        raise ValueError(f"unknown E-utility {endpoint!r}")
    limiter = rate_limiter_for(config)
    redirect.warm_up()  # nothing slow may happen between taking a slot and sending
    reason = ""
    for attempt in range(1, config.max_attempts + 1):
        limiter.acquire()
        try:
            body = _send(endpoint, params, config)
            return Reply(root=_check(body, expect_root), attempts=attempt, body=body)
        except _RetryableFailure as exc:
            reason = str(exc)
        except PermanentNcbiError as exc:
            raise PermanentNcbiError(
                f"{endpoint}: {exc.reason}", identifiers=identifiers, attempts=attempt
            ) from exc
        if attempt < config.max_attempts:
            delay = backoff_seconds(attempt, config)
            logger.info(
                "NCBI %s attempt %d/%d failed (%s); retrying in %.2f s",
                endpoint,
                attempt,
                config.max_attempts,
                reason,
                delay,
            )
            time.sleep(delay)
    raise TransientNcbiError(
        f"{endpoint}: {reason}", identifiers=identifiers, attempts=config.max_attempts
    )


def backoff_seconds(attempt: int, config: NcbiConfig) -> float:
    """Return the pause after failed attempt number ``attempt`` (1-based).

    Exponential (base, 2 x base, 4 x base ... capped), with "equal jitter": half of it fixed,
    half random, so processes that failed together do not retry together.
    """
    ceiling = min(config.backoff_max_seconds, config.backoff_base_seconds * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _send(endpoint: str, params: dict[str, object], config: NcbiConfig) -> bytes:
    """Make one request and return the body, or raise _RetryableFailure/PermanentNcbiError."""
    try:
        with redirect.using(config):
            handle = getattr(Entrez, endpoint)(**params)
        try:
            body = handle.read()
        finally:
            handle.close()
    except HTTPError as exc:
        detail = _error_body(exc)
        if exc.code == 429 or exc.code >= 500:
            raise _RetryableFailure(f"HTTP {exc.code} {exc.reason}{detail}") from exc
        raise PermanentNcbiError(f"HTTP {exc.code} {exc.reason}{detail}") from exc
    except (URLError, http.client.HTTPException, OSError) as exc:
        # URLError wraps refused connections and connect timeouts; a read timeout is a bare
        # TimeoutError; a connection dropped mid-body is http.client.IncompleteRead.
        raise _RetryableFailure(_describe(exc, config)) from exc
    # Bio.Entrez wraps text/plain replies in a TextIOWrapper; XML comes back as bytes.
    return body.encode("utf-8") if isinstance(body, str) else body


def _check(body: bytes, expect_root: str) -> etree._Element:
    """Return the parsed root of ``body`` if it is a complete ``expect_root`` document."""
    if not body.strip():
        raise _RetryableFailure("empty reply")
    try:
        root = parse_xml(body)
    except etree.XMLSyntaxError as exc:
        raise _RetryableFailure(f"malformed or truncated XML ({exc})") from exc
    error = root if root.tag == "ERROR" else root.find("ERROR")
    if error is not None:
        raise _RetryableFailure(f"NCBI <ERROR> reply: {(error.text or '').strip()}")
    if root.tag != expect_root:
        raise _RetryableFailure(f"unexpected reply <{root.tag}>, expected <{expect_root}>")
    return root


def _describe(exc: BaseException, config: NcbiConfig) -> str:
    cause = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(cause, TimeoutError):
        return f"timed out after {config.timeout_seconds:g} s"
    if isinstance(exc, http.client.IncompleteRead):
        return f"connection closed mid-reply ({len(exc.partial)} bytes received)"
    return f"{type(cause).__name__}: {cause}"


def _error_body(exc: HTTPError) -> str:
    try:
        text = exc.read(300).decode("utf-8", errors="replace").strip()
    except (OSError, http.client.HTTPException):  # the status code says what matters
        text = ""
    finally:
        exc.close()
    return f": {text}" if text else ""


_limiters: dict[tuple[str, str, int], RedisRateLimiter] = {}
_limiters_lock = threading.Lock()


def rate_limiter_for(config: NcbiConfig) -> RedisRateLimiter:
    """Return the shared rate limiter for ``config`` (one per Redis URL, key and limit)."""
    key = (config.redis_url, config.rate_limit_key, config.requests_per_second)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = RedisRateLimiter(
                redis_url=config.redis_url,
                key=config.rate_limit_key,
                requests_per_second=config.requests_per_second,
            )
        return limiter
