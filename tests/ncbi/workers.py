"""Code run in separate OS processes by the rate-limit tests (importable by spawn)."""

from __future__ import annotations

import time

from papers.pubmed import NcbiConfig, fetch_records
from papers.pubmed.ratelimit import RedisRateLimiter


def fetch_one_by_one(config: NcbiConfig, pmids: list[int], start_at: float) -> tuple[float, float]:
    """Wait until ``start_at`` (epoch), fetch each PMID in its own request; return (start, end)."""
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    for pmid in pmids:
        fetch_records(pmids=[pmid], config=config)
    return started, time.time()


def fetch_waking_late(
    config: NcbiConfig, pmids: list[int], start_at: float, *, late: float, confirm: bool = True
) -> tuple[float, float]:
    """Like fetch_one_by_one, but wake ``late`` seconds after every other reserved slot.

    That is a process descheduled between its slot and its send, made deterministic. With
    ``confirm=False`` the limiter skips its check before sending (the control: what the
    bucket did before sends were confirmed).
    """
    reserve = RedisRateLimiter.reserve
    calls = 0

    def reserve_and_oversleep(limiter: RedisRateLimiter) -> float:
        nonlocal calls
        calls += 1
        return reserve(limiter) + (late if calls % 2 else 0.0)

    RedisRateLimiter.reserve = reserve_and_oversleep  # type: ignore[assignment]
    if not confirm:
        RedisRateLimiter.confirm = lambda limiter: 0.0  # type: ignore[assignment]
    return fetch_one_by_one(config, pmids, start_at)
