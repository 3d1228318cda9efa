"""Fault switches: make chosen requests fail the ways NCBI fails."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, fields

# The ways a reply can go wrong, as named on the command line and in the request log.
TOO_MANY_REQUESTS = "429"
SERVER_ERROR = "500"
SLOW = "slow"
TRUNCATED = "truncated"  # a complete HTTP reply whose XML stops half-way
DISCONNECT = "disconnect"  # the connection closes before Content-Length bytes arrive
ERROR_REPLY = "error"  # HTTP 200 carrying <ERROR>...</ERROR>, as NCBI often does
OMIT = "omit"  # HTTP 200, a valid PubmedArticleSet that silently lacks some requested records
FAULT_KINDS = (TOO_MANY_REQUESTS, SERVER_ERROR, SLOW, TRUNCATED, DISCONNECT, ERROR_REPLY, OMIT)


@dataclass(frozen=True)
class Faults:
    """Rates (0..1) at which each fault is injected, plus a deterministic "first N fail".

    Each request draws one number, so the rates are exclusive probabilities and may not add
    up to more than 1. ``fail_first`` requests get ``fail_first_with`` before any rate applies.

    ``omit`` is NCBI's quietest failure: efetch answers HTTP 200 with a well-formed set that
    leaves out at least one and at most half of the records it would have served (which ones
    is drawn from ``seed``); the request log names them (``LoggedRequest.omitted``). It
    only makes sense for efetch: any other endpoint, and an efetch of fewer than two records
    (half of one is none), is answered normally and logged without a fault. With
    ``fail_first_with="omit"`` only efetch requests count towards ``fail_first``, so it means
    "the first N efetch replies omit".
    """

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_slow: float = 0.0
    rate_truncated: float = 0.0
    rate_disconnect: float = 0.0
    rate_error: float = 0.0
    rate_omit: float = 0.0
    slow_seconds: float = 5.0
    fail_first: int = 0
    fail_first_with: str = SERVER_ERROR
    seed: int | None = None

    def __post_init__(self) -> None:
        rates = self.rates()
        for kind, rate in rates.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate for {kind!r} must be within 0..1, got {rate}")
        if sum(rates.values()) > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to more than 1: {rates}")
        if self.fail_first < 0:
            raise ValueError(f"fail_first must be >= 0, got {self.fail_first}")
        if self.fail_first_with not in FAULT_KINDS:
            raise ValueError(
                f"fail_first_with must be one of {', '.join(FAULT_KINDS)}, "
                f"got {self.fail_first_with!r}"
            )
        if self.slow_seconds < 0:
            raise ValueError(f"slow_seconds must be >= 0, got {self.slow_seconds}")

    def rates(self) -> dict[str, float]:
        """Return the injection rate of each fault kind."""
        return {
            TOO_MANY_REQUESTS: self.rate_429,
            SERVER_ERROR: self.rate_500,
            SLOW: self.rate_slow,
            TRUNCATED: self.rate_truncated,
            DISCONNECT: self.rate_disconnect,
            ERROR_REPLY: self.rate_error,
            OMIT: self.rate_omit,
        }

    def describe(self) -> str:
        """Return the non-default switches, for the startup banner."""
        default = Faults()
        changed = [
            f"{f.name}={getattr(self, f.name)}"
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        ]
        return ", ".join(changed) or "none"


class FaultPlan:
    """Decide, request by request and thread-safely, which fault (if any) to inject."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._lock = threading.Lock()
        self._random = random.Random(faults.seed)
        self._seen = 0

    def next_fault(self, endpoint: str | None = None) -> str | None:
        """Return the fault kind for the next request to ``endpoint``, or None to answer normally.

        Requests to other endpoints than efetch do not count towards "fail the first N" with
        ``omit``, which nothing but efetch can show.
        """
        counts = self.faults.fail_first_with != OMIT or endpoint == "efetch"
        with self._lock:
            if counts and self._seen < self.faults.fail_first:
                self._seen += 1
                return self.faults.fail_first_with
            draw = self._random.random()
        threshold = 0.0
        for kind, rate in self.faults.rates().items():
            threshold += rate
            if draw < threshold:
                return kind
        return None

    def choose_omitted(self, pmids: Sequence[int]) -> list[int]:
        """Return which of the ``pmids`` an omitting reply leaves out: 1 to half of them."""
        if len(pmids) < 2:
            return []
        with self._lock:
            count = self._random.randint(1, len(pmids) // 2)
            return sorted(self._random.sample(list(pmids), count))
