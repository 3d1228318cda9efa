"""The seam's errors: NCBI calls that failed (transient or permanent), and unreadable replies."""

from __future__ import annotations

from collections.abc import Iterable

# Enough identifiers to find the batch in a log without printing 200 PMIDs.
_SHOWN_IDENTIFIERS = 10


class NcbiError(Exception):
    """An E-utilities call failed; ``identifiers`` names what was asked for."""

    def __init__(self, reason: str, *, identifiers: Iterable[object] = (), attempts: int = 1):
        self.reason = reason
        self.identifiers = tuple(str(identifier) for identifier in identifiers)
        self.attempts = attempts
        super().__init__(reason)

    def __str__(self) -> str:
        message = self.reason
        if self.identifiers:
            shown = ", ".join(self.identifiers[:_SHOWN_IDENTIFIERS])
            more = len(self.identifiers) - _SHOWN_IDENTIFIERS
            if more > 0:
                shown += f" and {more} more"
            message += f" [identifiers: {shown}]"
        if self.attempts > 1:
            message += f" [after {self.attempts} attempts]"
        return message

    def __reduce__(self):
        # Celery pickles exceptions into results; keep the identifiers and attempts.
        return (
            self.__class__,
            (self.reason,),
            {"identifiers": self.identifiers, "attempts": self.attempts},
        )


class TransientNcbiError(NcbiError):
    """Worth trying again later: HTTP 429/5xx, timeouts, dropped connections, bad or <ERROR>
    replies, the shared rate limiter (Redis) unreachable.

    Raised only once the transport's own retries have run out. Nothing retries it after
    that: a refresh job records it against each identifier of the request (docs/pipeline.md),
    and the next refresh asks again.
    """


class PermanentNcbiError(NcbiError):
    """Retrying will not help: a 4xx other than 429, or a request the client refuses to send."""


class InvalidIdentifierError(PermanentNcbiError, ValueError):
    """An identifier is not a PMID or DOI; nothing was sent to NCBI."""


class PubmedParseError(Exception):
    """A PubMed XML document cannot be read as a whole; nothing from it may be written."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")
