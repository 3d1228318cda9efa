"""Code run in separate OS processes by the rate-limit tests (importable by spawn)."""

from __future__ import annotations

import time

from papers.pubmed import NcbiConfig, fetch_records


def fetch_one_by_one(config: NcbiConfig, pmids: list[int], start_at: float) -> tuple[float, float]:
    """Wait until ``start_at`` (epoch), fetch each PMID in its own request; return (start, end)."""
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    for pmid in pmids:
        fetch_records(pmids=[pmid], config=config)
    return started, time.time()
