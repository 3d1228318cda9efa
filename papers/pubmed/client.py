"""What the app asks of PubMed: the records for a batch of PMIDs, the PMIDs for a DOI, and
which of a batch of PMIDs changed between two dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from papers.pubmed.config import NcbiConfig, config_from_settings
from papers.pubmed.errors import InvalidIdentifierError, NcbiError, PubmedParseError
from papers.pubmed.identifiers import normalize_doi
from papers.pubmed.parse import parse_article_set
from papers.pubmed.records import PaperRecord
from papers.pubmed.transport import request_xml

# NCBI asks for POST (which Bio.Entrez switches to by itself) beyond about 200 ids per request.
BATCH_SIZE = 200
# PMIDs per "which of these changed?" esearch: one request spares five efetches of unchanged
# records, and the term (sent by POST) stays a modest 12 KB.
MODIFIED_CHECK_SIZE = 1000


@dataclass(frozen=True)
class FetchedRecords:
    """What PubMed said about one batch of PMIDs, parsed: every PMID asked for is accounted for.

    Each PMID of ``pmids`` is in exactly one place: a record in ``records``, withdrawn by PubMed
    (``deleted_pmids``), unknown to PubMed (``missing_pmids``, not an error), or in
    ``failures`` with the reason (a record that could not be read, or the whole batch when the
    request still failed after every retry). ``attempts`` counts the HTTP requests made.
    """

    pmids: tuple[int, ...]
    records: tuple[PaperRecord, ...] = ()
    deleted_pmids: tuple[int, ...] = ()
    missing_pmids: tuple[int, ...] = ()
    failures: Mapping[int, str] = field(default_factory=dict)
    attempts: int = 0


def split_batches(pmids: Iterable[int], *, size: int = BATCH_SIZE) -> list[tuple[int, ...]]:
    """Return the PMIDs, without repeats and in order, in batches of at most ``size``."""
    if not 1 <= size <= BATCH_SIZE:
        raise ValueError(f"batch size must be within 1..{BATCH_SIZE}, got {size}")
    unique = list(dict.fromkeys(pmids))
    return [tuple(unique[start : start + size]) for start in range(0, len(unique), size)]


def fetch_records(*, pmids: Sequence[int], config: NcbiConfig | None = None) -> FetchedRecords:
    """Fetch one batch (at most 200 PMIDs) with one efetch, parse it, and account for each PMID.

    A request that still fails after the transport's retries is not raised: the batch comes
    back with every PMID in ``failures``, naming the reason and the attempts, so one bad batch
    never stops the others. Raise InvalidIdentifierError, before any request, for an empty or
    oversized batch.
    """
    batch = tuple(dict.fromkeys(pmids))
    if not batch:
        raise InvalidIdentifierError("no PMIDs to fetch")
    if len(batch) > BATCH_SIZE:
        raise InvalidIdentifierError(
            f"{len(batch)} PMIDs in one batch; split them with split_batches()",
            identifiers=batch,
        )
    try:
        reply = request_xml(
            "efetch",
            params={"db": "pubmed", "id": ",".join(map(str, batch)), "retmode": "xml"},
            identifiers=batch,
            expect_root="PubmedArticleSet",
            config=config or config_from_settings(),
        )
    except NcbiError as exc:
        return FetchedRecords(
            pmids=batch, failures=dict.fromkeys(batch, str(exc)), attempts=exc.attempts
        )
    try:
        parsed = parse_article_set(reply.root, source=_describe(batch))
    except PubmedParseError as exc:
        return FetchedRecords(
            pmids=batch, failures=dict.fromkeys(batch, exc.reason), attempts=reply.attempts
        )
    # A record we cannot read fails alone; the rest of the reply is kept.
    failures = {e.pmid: e.reason for e in parsed.errors if e.pmid in batch}
    accounted = {r.pmid for r in parsed.records} | set(parsed.deleted_pmids) | set(failures)
    return FetchedRecords(
        pmids=batch,
        records=tuple(parsed.records),
        deleted_pmids=tuple(parsed.deleted_pmids),
        missing_pmids=tuple(pmid for pmid in batch if pmid not in accounted),
        failures=failures,
        attempts=reply.attempts,
    )


def pmids_for_doi(*, doi: str, config: NcbiConfig | None = None) -> list[int]:
    """Return the PMIDs PubMed files under ``doi`` (usually one; [] when it has none).

    Accepts a bare DOI or one prefixed with ``doi:`` or ``https://doi.org/``; PubMed compares
    DOIs case-insensitively. Raise InvalidIdentifierError for something that is not a DOI,
    and NcbiError when the esearch still fails after every retry.
    """
    # Normalising also keeps a quote from ending the esearch phrase early.
    term = f'"{normalize_doi(doi)}"[doi]'
    reply = request_xml(
        "esearch",
        params={"db": "pubmed", "term": term, "retmax": 20},
        identifiers=[term],
        expect_root="eSearchResult",
        config=config or config_from_settings(),
    )
    return [int(text) for text in reply.root.xpath("IdList/Id/text()") if text.isdigit()]


def pmids_modified_between(
    *,
    pmids: Sequence[int],
    mindate: dt.date,
    maxdate: dt.date,
    config: NcbiConfig | None = None,
) -> list[int]:
    """Return those of ``pmids`` whose PubMed record changed from ``mindate`` to ``maxdate``.

    One esearch on the modification date (``datetype=mdat``), restricted to these PMIDs; at
    most MODIFIED_CHECK_SIZE of them. Raise NcbiError when it still fails after every retry.
    """
    if not pmids:
        return []
    if len(pmids) > MODIFIED_CHECK_SIZE:
        raise ValueError(f"at most {MODIFIED_CHECK_SIZE} PMIDs per check, got {len(pmids)}")
    term = " OR ".join(f"{pmid}[uid]" for pmid in pmids)
    reply = request_xml(
        "esearch",
        params={
            "db": "pubmed",
            "term": term,
            "datetype": "mdat",
            "mindate": mindate.strftime("%Y/%m/%d"),
            "maxdate": maxdate.strftime("%Y/%m/%d"),
            "retmax": len(pmids),
        },
        identifiers=[_describe(sorted(pmids))],
        expect_root="eSearchResult",
        config=config or config_from_settings(),
    )
    return [int(text) for text in reply.root.xpath("IdList/Id/text()") if text.isdigit()]


def _describe(batch: Sequence[int]) -> str:
    return f"PMID {batch[0]}" if len(batch) == 1 else f"PMIDs {batch[0]}..{batch[-1]}"
