"""The one seam between irtkb and PubMed: E-utilities over Bio.Entrez, parsed into records.

Public API (keyword-only; plain values out, never Entrez or lxml objects)::

    parse_pmid(text_or_int) -> int                        # the one PMID validator, at the edge
    normalize_doi(text) -> str                            # the one DOI validator
    split_batches(pmids, *, size=200) -> list[tuple[int, ...]]
    fetch_records(*, pmids, config=None) -> FetchedRecords   # one efetch, <= 200 PMIDs
    fetch_batch_xml(*, pmids, config=None) -> FetchedXml     # the same, replies left unread
    read_fetched_xml(fetched_xml) -> FetchedRecords          # ... read where they are stored
    pmids_for_doi(*, doi, config=None) -> list[int]          # [] = not in PubMed
    pmids_modified_between(*, pmids, mindate, maxdate)       # esearch datetype=mdat, <= 1000
    search_pubmed(*, query, mindate, maxdate, limit=10000) -> SearchResult  # search.py
    parse_pubmed_xml(data: bytes, *, source) -> ParseResult  # a file of PubMed XML
    config_from_settings() -> NcbiConfig

``FetchedRecords(pmids, records, deleted_pmids, missing_pmids, failures, attempts)`` accounts
for every PMID asked for: a ``PaperRecord`` (records.py), withdrawn by PubMed, unknown to
PubMed (not an error), or ``failures[pmid]`` with the reason. The reply is parsed once: the
transport's checked lxml root goes straight to the parser.

Errors: ``NcbiError``, split into ``TransientNcbiError`` (429/5xx, timeouts, dropped
connections, truncated or malformed XML, ``<ERROR>`` replies, Redis down) and
``PermanentNcbiError`` (other 4xx; ``InvalidIdentifierError`` for input that is not a PMID or
DOI, raised before anything is sent); ``PubmedParseError`` for a document unusable as a whole.
``fetch_records`` turns what still fails after its retries into ``failures``;
``pmids_for_doi`` raises it.

Every request waits for a slot in one Redis token bucket shared by all processes (3/s, 10/s
with NCBI_API_KEY), is sent to EUTILS_BASE_URL with NCBI_TIMEOUT_SECONDS, and is retried with
exponential backoff and jitter. Settings: NCBI_EMAIL, NCBI_API_KEY, NCBI_TOOL,
NCBI_TIMEOUT_SECONDS, NCBI_MAX_ATTEMPTS, NCBI_BACKOFF_BASE_SECONDS, NCBI_RATE_LIMIT_KEY,
EUTILS_BASE_URL, REDIS_URL. Details: docs/ncbi.md.

Modules: client.py (what the app asks), transport.py (one request: rate limit, retries,
checks), redirect.py (Bio.Entrez bent to our URL, identity and timeout), ratelimit.py,
config.py, errors.py, identifiers.py, parse.py and records.py (PubMed XML -> PaperRecord),
safe_xml.py (the one XML parser setup).
"""

from __future__ import annotations

from papers.pubmed.client import (
    BATCH_SIZE,
    MODIFIED_CHECK_SIZE,
    FetchedRecords,
    FetchedXml,
    fetch_batch_xml,
    fetch_records,
    pmids_for_doi,
    pmids_modified_between,
    read_fetched_xml,
    split_batches,
)
from papers.pubmed.config import NcbiConfig, config_from_settings
from papers.pubmed.errors import (
    InvalidIdentifierError,
    NcbiError,
    PermanentNcbiError,
    PubmedParseError,
    TransientNcbiError,
)
from papers.pubmed.identifiers import (
    doi_problem,
    normalize_doi,
    parse_pmid,
    pmid_digits,
    pmid_problem,
    strip_doi_prefix,
)
from papers.pubmed.parse import parse_pubmed_xml
from papers.pubmed.records import PaperRecord, ParseResult, RecordError, ReferenceRecord
from papers.pubmed.redirect import install as _install_entrez_redirect
from papers.pubmed.search import SearchResult, SearchTooBroadError, Window, search_pubmed

# Importing the seam is enough for any Bio.Entrez call in this process (ours, a shell
# session's) to go to EUTILS_BASE_URL with our identity and timeout: see redirect.py.
_install_entrez_redirect()

__all__ = [
    "BATCH_SIZE",
    "MODIFIED_CHECK_SIZE",
    "FetchedRecords",
    "FetchedXml",
    "InvalidIdentifierError",
    "NcbiConfig",
    "NcbiError",
    "PaperRecord",
    "ParseResult",
    "PermanentNcbiError",
    "PubmedParseError",
    "RecordError",
    "ReferenceRecord",
    "SearchResult",
    "SearchTooBroadError",
    "TransientNcbiError",
    "Window",
    "config_from_settings",
    "doi_problem",
    "fetch_batch_xml",
    "fetch_records",
    "normalize_doi",
    "parse_pmid",
    "parse_pubmed_xml",
    "pmid_digits",
    "pmid_problem",
    "pmids_for_doi",
    "pmids_modified_between",
    "read_fetched_xml",
    "search_pubmed",
    "split_batches",
    "strip_doi_prefix",
]
