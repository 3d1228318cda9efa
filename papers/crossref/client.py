"""GET /works/{doi} from the Crossref REST API: rate limit, timeout, retries, parsing."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from papers.crossref.errors import PermanentCrossrefError, TransientCrossrefError
from papers.pubmed.config import NcbiConfig
from papers.pubmed.identifiers import normalize_doi
from papers.pubmed.ratelimit import RedisRateLimiter
from papers.pubmed.transport import backoff_seconds

logger = logging.getLogger(__name__)
CROSSREF_API_URL = "https://api.crossref.org/"


@dataclass(frozen=True)
class CrossrefConfig:
    base_url: str = CROSSREF_API_URL
    mailto: str = ""
    timeout_seconds: float = 30.0
    redis_url: str = "redis://127.0.0.1:6379/0"
    rate_limit_key: str = "irtkb:crossref:rate"
    requests_per_second: int = 5
    max_attempts: int = 5
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 30.0

    def __post_init__(self) -> None:
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")


def config_from_settings() -> CrossrefConfig:
    from django.conf import settings

    return CrossrefConfig(
        base_url=settings.CROSSREF_BASE_URL,
        mailto=settings.CROSSREF_MAILTO,
        timeout_seconds=float(settings.NCBI_TIMEOUT_SECONDS),
        redis_url=settings.REDIS_URL,
        rate_limit_key=settings.CROSSREF_RATE_LIMIT_KEY,
        requests_per_second=settings.CROSSREF_REQUESTS_PER_SECOND,
        max_attempts=settings.NCBI_MAX_ATTEMPTS,
        backoff_base_seconds=settings.NCBI_BACKOFF_BASE_SECONDS,
    )


@dataclass(frozen=True)
class CrossrefAuthor:
    family: str
    given: str = ""
    orcid: str = ""  # the bare 0000-0000-0000-0000 form
    name: str = ""  # an organisation as author


@dataclass(frozen=True)
class CrossrefUpdate:
    """A notice about this work (``updated-by``) or one this work is (``update-to``)."""

    kind: str  # Crossref's update type: retraction, correction, expression_of_concern, ...
    doi: str  # the other work's DOI
    date: dt.date | None
    source: str = ""  # who asserted it (e.g. "retraction-watch", "publisher")


@dataclass(frozen=True)
class CrossrefWork:
    doi: str
    title: str = ""
    authors: tuple[CrossrefAuthor, ...] = ()
    container: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    issued: tuple[int, ...] = ()  # (year, month, day), as many parts as Crossref has
    work_type: str = ""
    licence: str = ""
    publisher: str = ""
    updated_by: tuple[CrossrefUpdate, ...] = ()
    update_to: tuple[CrossrefUpdate, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)


_limiters: dict[tuple[str, str, int], RedisRateLimiter] = {}


def fetch_work(*, doi: str, config: CrossrefConfig | None = None) -> CrossrefWork | None:
    """Return Crossref's record of ``doi``, or None when Crossref answers 404.

    Retries 429, 5xx, timeouts, dropped connections and truncated or malformed JSON with
    the NCBI seam's backoff; then raises TransientCrossrefError naming the DOI.
    """
    config = config or config_from_settings()
    doi = normalize_doi(doi)
    url = f"{config.base_url}works/{quote(doi, safe='')}"
    params = {"mailto": config.mailto} if config.mailto else {}
    headers = {"User-Agent": f"irtkb (mailto:{config.mailto})" if config.mailto else "irtkb"}
    limiter = _limiter(config)
    timing = NcbiConfig(
        backoff_base_seconds=config.backoff_base_seconds,
        backoff_max_seconds=config.backoff_max_seconds,
    )
    reason = ""
    for attempt in range(1, config.max_attempts + 1):
        limiter.acquire()
        try:
            reply = requests.get(
                url, params=params, headers=headers, timeout=config.timeout_seconds
            )
        except requests.Timeout:
            reason = f"timed out after {config.timeout_seconds:g} s"
        except requests.RequestException as exc:
            reason = f"{type(exc).__name__}: {exc}"
        else:
            if reply.status_code == 404:
                return None
            if reply.status_code == 429 or reply.status_code >= 500:
                reason = f"HTTP {reply.status_code}"
            elif reply.status_code >= 400:
                raise PermanentCrossrefError(
                    f"crossref: HTTP {reply.status_code}", identifiers=[doi], attempts=attempt
                )
            else:
                try:
                    return parse_work(reply.json())
                except (json.JSONDecodeError, requests.JSONDecodeError) as exc:
                    reason = f"malformed or truncated JSON ({exc})"
                except (KeyError, TypeError, ValueError) as exc:
                    raise PermanentCrossrefError(
                        f"crossref: not a work reply ({exc})", identifiers=[doi], attempts=attempt
                    ) from exc
        if attempt < config.max_attempts:
            logger.info("Crossref attempt %d for %s failed (%s)", attempt, doi, reason)
            time.sleep(backoff_seconds(attempt, timing))
    raise TransientCrossrefError(
        f"crossref: {reason}", identifiers=[doi], attempts=config.max_attempts
    )


def parse_work(body: dict) -> CrossrefWork:
    """Read a ``/works/{doi}`` reply (``{"status": "ok", "message-type": "work", ...}``)."""
    if body.get("message-type") != "work":
        raise ValueError(f"message-type is {body.get('message-type')!r}, not 'work'")
    message = body["message"]
    return CrossrefWork(
        doi=str(message["DOI"]),
        title=_first(message.get("title")),
        authors=tuple(_author(a) for a in message.get("author", [])),
        container=_first(message.get("container-title")),
        volume=str(message.get("volume", "")),
        issue=str(message.get("issue", "")),
        pages=str(message.get("page", "")),
        issued=tuple(_date_parts(message.get("issued"))),
        work_type=str(message.get("type", "")),
        licence=str((message.get("license") or [{}])[0].get("URL", "")),
        publisher=str(message.get("publisher", "")),
        updated_by=tuple(_update(u) for u in message.get("updated-by", [])),
        update_to=tuple(_update(u) for u in message.get("update-to", [])),
        raw=message,
    )


def _first(values) -> str:
    return " ".join(str(values[0]).split()) if values else ""


def _author(author: dict) -> CrossrefAuthor:
    orcid = str(author.get("ORCID", "")).rstrip("/").rsplit("/", 1)[-1]
    return CrossrefAuthor(
        family=str(author.get("family", "")),
        given=str(author.get("given", "")),
        orcid=orcid,
        name=str(author.get("name", "")),
    )


def _date_parts(value) -> list[int]:
    parts = (value or {}).get("date-parts") or [[]]
    return [int(p) for p in parts[0] if p is not None]


def _update(update: dict) -> CrossrefUpdate:
    parts = _date_parts(update.get("updated"))
    day = dt.date(*([*parts, 1, 1])[:3]) if parts else None
    return CrossrefUpdate(
        kind=str(update.get("type", "")),
        doi=str(update.get("DOI", "")),
        date=day,
        source=str(update.get("source", "")),
    )


def _limiter(config: CrossrefConfig) -> RedisRateLimiter:
    key = (config.redis_url, config.rate_limit_key, config.requests_per_second)
    if key not in _limiters:
        _limiters[key] = RedisRateLimiter(
            redis_url=config.redis_url,
            key=config.rate_limit_key,
            requests_per_second=config.requests_per_second,
        )
    return _limiters[key]
