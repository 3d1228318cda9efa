"""Watched searches: the PMIDs a PubMed query finds within a date window, however many.

esearch hands out at most 10,000 ids for one query (``retstart`` stops there, with or without
the history server), so a window whose Count is above the limit is split in two halves, each
searched again, until every part fits; a single day still above the limit raises
SearchTooBroadError rather than returning part of the answer. Each esearch is sent with
``usehistory=y`` and the run's ``WebEnv``, so all of a run's windows live in one history
session whose (WebEnv, query_key) pairs are returned with the counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from papers.pubmed.config import NcbiConfig, config_from_settings
from papers.pubmed.errors import PermanentNcbiError
from papers.pubmed.transport import request_xml

# NCBI's cap on the ids one esearch query hands out (retstart + retmax).
ESEARCH_LIMIT = 10_000
# What a date window is matched on: Entrez date (when the record entered PubMed), so a run
# finds what appeared since the last one, whatever publication date the record carries.
DATETYPE = "edat"


class SearchTooBroadError(PermanentNcbiError):
    """One day of the window alone finds more ids than esearch hands out; narrow the query."""


@dataclass(frozen=True)
class Window:
    """One esearch over [mindate, maxdate] (both inclusive) and what it counted."""

    mindate: dt.date
    maxdate: dt.date
    count: int
    webenv: str = ""
    query_key: str = ""


@dataclass(frozen=True)
class SearchResult:
    """Every PMID the query found in the window (newest first, no repeats), and the windows
    searched to get them (more than one when the window had to be split)."""

    pmids: tuple[int, ...]
    windows: tuple[Window, ...]

    @property
    def count(self) -> int:
        return len(self.pmids)


def search_pubmed(
    *,
    query: str,
    mindate: dt.date,
    maxdate: dt.date,
    limit: int = ESEARCH_LIMIT,
    config: NcbiConfig | None = None,
) -> SearchResult:
    """Return all PMIDs ``query`` finds with an Entrez date in [mindate, maxdate].

    Raise ValueError for an empty query or a reversed window, SearchTooBroadError when one
    day holds more than ``limit`` hits, and NcbiError when an esearch still fails after the
    transport's retries.
    """
    query = query.strip()
    if not query:
        raise ValueError("a watched search needs a query")
    if mindate > maxdate:
        raise ValueError(f"the window starts ({mindate}) after it ends ({maxdate})")
    if not 1 <= limit <= ESEARCH_LIMIT:
        raise ValueError(f"limit must be within 1..{ESEARCH_LIMIT}, got {limit}")
    session = _Session(query=query, limit=limit, config=config or config_from_settings())
    session.search(mindate, maxdate)
    return SearchResult(pmids=tuple(dict.fromkeys(session.pmids)), windows=tuple(session.windows))


@dataclass
class _Session:
    query: str
    limit: int
    config: NcbiConfig
    webenv: str = ""

    def __post_init__(self) -> None:
        self.pmids: list[int] = []
        self.windows: list[Window] = []

    def search(self, mindate: dt.date, maxdate: dt.date) -> None:
        """Search one window, halving it while its count is above the limit."""
        count, ids, query_key = self._esearch(mindate, maxdate, retmax=self.limit)
        if count > self.limit:
            if mindate == maxdate:
                raise SearchTooBroadError(
                    f"{count} hits on {mindate.isoformat()} alone, more than esearch's "
                    f"{self.limit}; narrow the query",
                    identifiers=[self.query],
                )
            middle = mindate + (maxdate - mindate) // 2
            self.search(mindate, middle)
            self.search(middle + dt.timedelta(days=1), maxdate)
            return
        self.windows.append(Window(mindate, maxdate, count, self.webenv, query_key))
        self.pmids.extend(ids)

    def _esearch(
        self, mindate: dt.date, maxdate: dt.date, *, retmax: int
    ) -> tuple[int, list[int], str]:
        params: dict[str, object] = {
            "db": "pubmed",
            "term": self.query,
            "usehistory": "y",
            "datetype": DATETYPE,
            "mindate": mindate.strftime("%Y/%m/%d"),
            "maxdate": maxdate.strftime("%Y/%m/%d"),
            "retmax": retmax,
        }
        if self.webenv:
            params["WebEnv"] = self.webenv
        reply = request_xml(
            "esearch",
            params=params,
            identifiers=[self.query],
            expect_root="eSearchResult",
            config=self.config,
        )
        root = reply.root
        self.webenv = (root.findtext("WebEnv") or self.webenv).strip()
        count_text = (root.findtext("Count") or "").strip()
        if not count_text.isdigit():
            raise PermanentNcbiError(
                f"esearch reply without a Count ({count_text!r})", identifiers=[self.query]
            )
        ids = [int(text) for text in root.xpath("IdList/Id/text()") if text.strip().isdigit()]
        return int(count_text), ids, (root.findtext("QueryKey") or "").strip()
