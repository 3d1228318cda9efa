"""The Crossref seam's errors (the same shape as the NCBI seam's)."""

from __future__ import annotations

from papers.pubmed.errors import NcbiError


class CrossrefError(NcbiError):
    """A Crossref request failed; ``identifiers`` names the DOI.

    It shares NcbiError's shape (reason, identifiers, attempts, pickling) but not its meaning:
    catch CrossrefError for Crossref.
    """


class TransientCrossrefError(CrossrefError):
    """429/5xx, timeouts, dropped connections, truncated or malformed JSON, after the retries."""


class PermanentCrossrefError(CrossrefError):
    """A 4xx other than 404 and 429, or a reply that is not a Crossref work."""
