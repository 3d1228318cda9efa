"""What the app asks of PubMed: records by PMID, PMIDs by DOI or search term."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from papers.ncbi.config import NcbiConfig, config_from_settings
from papers.ncbi.errors import InvalidIdentifierError, NcbiError
from papers.ncbi.transport import request_xml

# NCBI asks for POST (which Bio.Entrez switches to by itself) beyond about 200 ids per request.
BATCH_SIZE = 200
_DOI_PREFIXES = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


@dataclass(frozen=True)
class FetchedBatch:
    """One efetch reply: the PMIDs asked for and the raw PubmedArticleSet XML.

    ``xml`` is for papers.pubmed.parse. A PMID PubMed does not know is simply absent from it
    (listed in ``missing_pmids``), which is not an error. When the batch failed after every
    retry, ``xml`` is None and ``error`` says why; the other batches are unaffected.
    """

    pmids: tuple[int, ...]
    xml: bytes | None
    found_pmids: tuple[int, ...] = ()
    attempts: int = 0
    error: NcbiError | None = None

    @property
    def ok(self) -> bool:
        """Return True when the reply arrived (even if it holds none of the PMIDs)."""
        return self.error is None

    @property
    def missing_pmids(self) -> tuple[int, ...]:
        """Return the requested PMIDs absent from a successful reply."""
        if not self.ok:
            return ()
        found = set(self.found_pmids)
        return tuple(pmid for pmid in self.pmids if pmid not in found)


@dataclass(frozen=True)
class SearchResult:
    """An esearch answer: the total hit count and the PMIDs of the requested page."""

    count: int
    pmids: list[int]


def split_batches(pmids: Iterable[int], *, size: int = BATCH_SIZE) -> list[tuple[int, ...]]:
    """Return the PMIDs, validated and without repeats, in request-sized batches."""
    if not 1 <= size <= BATCH_SIZE:
        raise ValueError(f"batch size must be within 1..{BATCH_SIZE}, got {size}")
    unique = list(dict.fromkeys(_valid_pmid(pmid) for pmid in pmids))
    return [tuple(unique[start : start + size]) for start in range(0, len(unique), size)]


def iter_pubmed_xml(
    *, pmids: Iterable[int], config: NcbiConfig | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[FetchedBatch]:
    """Fetch PubMed XML for ``pmids``, yielding one FetchedBatch per efetch request.

    N PMIDs take ceil(N / 200) requests (plus retries). Each batch is yielded as it arrives,
    so the caller can store it in its own transaction; a batch that fails after every retry
    is yielded with ``error`` set rather than stopping the others.
    Raises InvalidIdentifierError before any request if a PMID is not a positive integer.
    """
    # Validate now, not at the first next(), so bad input fails where it is passed in.
    batches = split_batches(pmids, size=batch_size)
    return _fetch_each(batches, config or config_from_settings())


def _fetch_each(batches: list[tuple[int, ...]], config: NcbiConfig) -> Iterator[FetchedBatch]:
    for batch in batches:
        try:
            yield fetch_pubmed_batch(pmids=batch, config=config)
        except NcbiError as exc:
            yield FetchedBatch(pmids=batch, xml=None, attempts=exc.attempts, error=exc)


def fetch_pubmed_xml(
    *, pmids: Iterable[int], config: NcbiConfig | None = None
) -> list[FetchedBatch]:
    """Return every batch of ``iter_pubmed_xml`` at once (for callers that need them all)."""
    return list(iter_pubmed_xml(pmids=pmids, config=config))


def fetch_pubmed_batch(*, pmids: Sequence[int], config: NcbiConfig | None = None) -> FetchedBatch:
    """Fetch one batch (at most 200 PMIDs) with efetch; raise NcbiError if it fails."""
    config = config or config_from_settings()
    batch = tuple(dict.fromkeys(_valid_pmid(pmid) for pmid in pmids))
    if not batch:
        raise InvalidIdentifierError("no PMIDs to fetch")
    if len(batch) > BATCH_SIZE:
        raise InvalidIdentifierError(
            f"{len(batch)} PMIDs in one batch; split them with split_batches()",
            identifiers=batch,
        )
    reply = request_xml(
        "efetch",
        params={"db": "pubmed", "id": ",".join(map(str, batch)), "retmode": "xml"},
        identifiers=batch,
        expect_root="PubmedArticleSet",
        config=config,
    )
    found = reply.root.xpath(
        "PubmedArticle/MedlineCitation/PMID/text() | PubmedBookArticle/BookDocument/PMID/text()"
    )
    return FetchedBatch(
        pmids=batch,
        xml=reply.body,
        found_pmids=tuple(int(pmid) for pmid in found if pmid.strip().isdigit()),
        attempts=reply.attempts,
    )


def pmids_for_doi(*, doi: str, config: NcbiConfig | None = None) -> list[int]:
    """Return the PMIDs PubMed files under ``doi`` (usually one; [] when it has none).

    Accepts a bare DOI or one prefixed with ``doi:`` or ``https://doi.org/``. PubMed compares
    DOIs case-insensitively. Raises InvalidIdentifierError for something that is not a DOI.
    """
    normalized = normalize_doi(doi)
    result = search_pmids(term=f'"{normalized}"[doi]', retmax=20, config=config)
    return result.pmids


def search_pmids(
    *, term: str, retmax: int = 20, retstart: int = 0, config: NcbiConfig | None = None
) -> SearchResult:
    """Run an esearch on PubMed and return the hit count and one page of PMIDs."""
    if not term.strip():
        raise InvalidIdentifierError("empty search term")
    if retmax < 0 or retstart < 0:
        raise ValueError("retmax and retstart must be >= 0")
    reply = request_xml(
        "esearch",
        params={"db": "pubmed", "term": term, "retmax": retmax, "retstart": retstart},
        identifiers=[term],
        expect_root="eSearchResult",
        config=config or config_from_settings(),
    )
    count = reply.root.findtext("Count") or "0"
    pmids = [int(text) for text in reply.root.xpath("IdList/Id/text()") if text.isdigit()]
    return SearchResult(count=int(count) if count.isdigit() else len(pmids), pmids=pmids)


def normalize_doi(doi: str) -> str:
    """Return ``doi`` without a ``doi:``/URL prefix or whitespace; reject non-DOIs."""
    value = _DOI_PREFIXES.sub("", (doi or "").strip()).strip()
    # A quote would end the quoted esearch phrase early; real DOIs do not contain one.
    if (
        not value.startswith("10.")
        or "/" not in value
        or '"' in value
        or any(ch.isspace() for ch in value)
    ):
        raise InvalidIdentifierError(f"not a DOI: {doi!r}", identifiers=[doi])
    return value


def _valid_pmid(pmid: object) -> int:
    if isinstance(pmid, int) and not isinstance(pmid, bool) and pmid > 0:
        return pmid
    raise InvalidIdentifierError(f"not a PMID: {pmid!r}", identifiers=[pmid])
