"""What the app asks of PubMed: the records for a batch of PMIDs, the PMIDs for a DOI, and
which of a batch of PMIDs changed between two dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from lxml import etree

from papers.pubmed.config import NcbiConfig, config_from_settings
from papers.pubmed.errors import (
    InvalidIdentifierError,
    NcbiError,
    PubmedParseError,
    TransientNcbiError,
)
from papers.pubmed.identifiers import normalize_doi
from papers.pubmed.parse import parse_article_set
from papers.pubmed.records import PaperRecord
from papers.pubmed.safe_xml import parse_xml
from papers.pubmed.transport import Reply, request_xml

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

    PMIDs the reply silently leaves out are asked for again before any is called "not found"
    (see OMISSION_REASKS). A request that still fails after the transport's retries is not
    raised: its PMIDs come back in ``failures``, naming the reason and the attempts, so one
    bad batch never stops the others. Raise InvalidIdentifierError, before any request, for an
    empty or oversized batch.
    """
    batch = _checked_batch(pmids)
    replies, failures, attempts, _ = _efetch_accounting_for_all(
        batch, config or config_from_settings()
    )
    return _read_replies(batch, [reply.root for reply in replies], failures, attempts)


@dataclass(frozen=True)
class FetchedXml:
    """One batch's efetch replies as bytes, checked but not read into records: what a fetch
    worker hands to a store worker (papers.tasks), which reads them with ``read_fetched_xml``.

    ``failures`` holds the PMIDs whose request still failed after every retry; ``retryable``
    says that failure was transient (NCBI or the rate limiter down), worth trying later.
    """

    pmids: tuple[int, ...]
    documents: tuple[bytes, ...] = ()
    failures: Mapping[int, str] = field(default_factory=dict)
    attempts: int = 0
    retryable: bool = False

    @property
    def reason(self) -> str:
        return next(iter(self.failures.values()), "")


def fetch_batch_xml(*, pmids: Sequence[int], config: NcbiConfig | None = None) -> FetchedXml:
    """Fetch one batch like ``fetch_records`` (omissions re-asked), but return the replies'
    bytes unread, so the CPU work of reading them happens where they are stored."""
    batch = _checked_batch(pmids)
    replies, failures, attempts, retryable = _efetch_accounting_for_all(
        batch, config or config_from_settings()
    )
    return FetchedXml(
        pmids=batch,
        documents=tuple(reply.body for reply in replies),
        failures=failures,
        attempts=attempts,
        retryable=retryable,
    )


def read_fetched_xml(fetched: FetchedXml) -> FetchedRecords:
    """Read the replies of ``fetch_batch_xml`` into records, accounting for every PMID.

    A document that is no longer XML (damaged on its way) fails its batch's unread PMIDs with
    the reason; it was checked when it arrived, so this means a bug or a broken message.
    """
    roots = []
    failures = dict(fetched.failures)
    for document in fetched.documents:
        try:
            roots.append(parse_xml(document))
        except etree.XMLSyntaxError as exc:
            reason = f"efetch reply unreadable after it was received ({exc})"
            failures.update((pmid, reason) for pmid in fetched.pmids if pmid not in failures)
            roots = []
            break
    return _read_replies(fetched.pmids, roots, failures, fetched.attempts)


# NCBI's efetch now and then answers HTTP 200 with a well-formed PubmedArticleSet that simply
# lacks some of the PMIDs asked for. Calling those "not found" would mark real papers missing
# (a fault-injection run lost 40 of 5,000 that way), so the ones left out are asked for again,
# together. A re-ask that brings none of them back means PubMed lacks them (an omission
# leaves some out, not all), so a batch with unknown PMIDs costs one request more, not
# OMISSION_REASKS more; a re-ask that brings some back is followed by another, up to this many.
OMISSION_REASKS = 3

_RETURNED_PMIDS = etree.XPath(
    "PubmedArticle/MedlineCitation/PMID/text()"
    " | PubmedBookArticle/BookDocument/PMID/text()"
    " | DeleteCitation/PMID/text()"
)


def _checked_batch(pmids: Sequence[int]) -> tuple[int, ...]:
    batch = tuple(dict.fromkeys(pmids))
    if not batch:
        raise InvalidIdentifierError("no PMIDs to fetch")
    if len(batch) > BATCH_SIZE:
        raise InvalidIdentifierError(
            f"{len(batch)} PMIDs in one batch; split them with split_batches()",
            identifiers=batch,
        )
    return batch


def _efetch_accounting_for_all(
    batch: tuple[int, ...], config: NcbiConfig
) -> tuple[list[Reply], dict[int, str], int, bool]:
    """Return (replies, {PMID: failure}, requests made, whether the failure was transient)
    for ``batch``, re-asking omissions.

    A PMID is in a reply, or in the failures, or absent from every reply (PubMed lacks it).
    """
    replies: list[Reply] = []
    attempts = 0
    wanted = batch
    for _ in range(1 + OMISSION_REASKS):
        try:
            reply = _efetch(wanted, config)
        except NcbiError as exc:
            transient = isinstance(exc, TransientNcbiError)
            return replies, dict.fromkeys(wanted, str(exc)), attempts + exc.attempts, transient
        replies.append(reply)
        attempts += reply.attempts
        returned = {int(text) for text in _RETURNED_PMIDS(reply.root) if text.strip().isdigit()}
        still_wanted = tuple(pmid for pmid in wanted if pmid not in returned)
        if not still_wanted or (len(replies) > 1 and len(still_wanted) == len(wanted)):
            break  # all accounted for, or a re-ask brought none back: PubMed lacks them
        wanted = still_wanted
    return replies, {}, attempts, False


def _efetch(batch: tuple[int, ...], config: NcbiConfig) -> Reply:
    return request_xml(
        "efetch",
        params={"db": "pubmed", "id": ",".join(map(str, batch)), "retmode": "xml"},
        identifiers=batch,
        expect_root="PubmedArticleSet",
        config=config,
    )


def _read_replies(
    batch: tuple[int, ...],
    roots: Sequence[etree._Element],
    failures: Mapping[int, str],
    attempts: int,
) -> FetchedRecords:
    """Parse the replies' records and put every PMID of ``batch`` in exactly one place."""
    failures = dict(failures)
    records: dict[int, PaperRecord] = {}
    deleted: list[int] = []
    unusable = ""  # why a reply could not be read at all
    for root in roots:
        try:
            parsed = parse_article_set(root, source=_describe(batch))
        except PubmedParseError as exc:
            unusable = exc.reason  # its PMIDs fail below; other replies' records are kept
            continue
        # A record we cannot read fails alone; the rest of the reply is kept.
        failures.update((e.pmid, e.reason) for e in parsed.errors if e.pmid in batch)
        records.update((r.pmid, r) for r in parsed.records if r.pmid not in failures)
        deleted.extend(pmid for pmid in parsed.deleted_pmids if pmid not in deleted)
    accounted = set(records) | set(deleted) | set(failures)
    unaccounted = [pmid for pmid in batch if pmid not in accounted]
    if unusable:  # not "not found": a reply that may have held them was unreadable
        failures.update(dict.fromkeys(unaccounted, unusable))
        unaccounted = []
    return FetchedRecords(
        pmids=batch,
        records=tuple(records.values()),
        deleted_pmids=tuple(deleted),
        missing_pmids=tuple(unaccounted),
        failures={pmid: reason for pmid, reason in failures.items() if pmid in batch},
        attempts=attempts,
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
