"""The one seam between irtkb and Crossref: ``/works/{doi}`` over HTTP, parsed into a record.

Public API (keyword-only; plain values out)::

    fetch_work(*, doi, config=None) -> CrossrefWork | None   # None: Crossref has no such DOI
    config_from_settings() -> CrossrefConfig

Errors: ``CrossrefError`` (``.reason``, ``.identifiers``, ``.attempts``), split into
``TransientCrossrefError`` (429/5xx, timeouts, dropped connections, truncated or malformed
JSON, after every retry) and ``PermanentCrossrefError`` (other 4xx, a reply that is not a work).

Why a thin client on ``requests`` rather than habanero: every request must wait for a slot in
the Redis rate limit all worker processes share and follow the same retry policy as the NCBI
seam (exponential backoff with jitter, a timeout on every call), and the base URL must be a
setting so the replay server stands in. habanero offers none of the shared limit and retries
and would add a dependency for one GET. ``requests`` is already in uv.lock. Settings:
CROSSREF_BASE_URL, CROSSREF_MAILTO (the "polite pool" address, sent as ``mailto=`` and in the
User-Agent), CROSSREF_RATE_LIMIT_KEY, CROSSREF_REQUESTS_PER_SECOND, and the NCBI_* timeout and
retry settings.
"""

from __future__ import annotations

from papers.crossref.client import (
    CrossrefAuthor,
    CrossrefConfig,
    CrossrefUpdate,
    CrossrefWork,
    config_from_settings,
    fetch_work,
)
from papers.crossref.errors import CrossrefError, PermanentCrossrefError, TransientCrossrefError

__all__ = [
    "CrossrefAuthor",
    "CrossrefConfig",
    "CrossrefError",
    "CrossrefUpdate",
    "CrossrefWork",
    "PermanentCrossrefError",
    "TransientCrossrefError",
    "config_from_settings",
    "fetch_work",
]
