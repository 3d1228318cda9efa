"""The one seam between irtkb and NCBI E-utilities (PubMed), over Bio.Entrez.

Public API (keyword-only; plain values out, never Entrez objects)::

    iter_pubmed_xml(*, pmids, config=None, batch_size=200) -> Iterator[FetchedBatch]
    fetch_pubmed_xml(*, pmids, config=None) -> list[FetchedBatch]
    fetch_pubmed_batch(*, pmids, config=None) -> FetchedBatch          # <= 200 PMIDs, raises
    pmids_for_doi(*, doi, config=None) -> list[int]                   # [] = not in PubMed
    search_pmids(*, term, retmax=20, retstart=0, config=None) -> SearchResult
    split_batches(pmids, *, size=200) -> list[tuple[int, ...]]
    normalize_doi(doi) -> str
    config_from_settings() -> NcbiConfig

FetchedBatch(pmids, xml, found_pmids, attempts, error) with ``.ok`` and ``.missing_pmids``:
``xml`` is the raw PubmedArticleSet for papers.pubmed.parse; PMIDs PubMed does not know are
absent from it (not an error); a batch that failed after all retries has ``error`` set.

Errors: NcbiError, split into TransientNcbiError (429/5xx, timeouts, connection errors,
truncated or malformed XML, ``<ERROR>`` replies, Redis down: retry later, e.g. Celery
``autoretry_for``) and PermanentNcbiError (other 4xx; InvalidIdentifierError for input that
is not a PMID/DOI). Each names the identifiers, the reason and the attempts made.

Every request waits for a slot in one Redis token bucket shared by all processes (3/s, 10/s
with NCBI_API_KEY), is sent to EUTILS_BASE_URL with NCBI_TIMEOUT_SECONDS, and is retried with
exponential backoff and jitter. Settings: NCBI_EMAIL, NCBI_API_KEY, NCBI_TOOL,
EUTILS_BASE_URL, NCBI_TIMEOUT_SECONDS, REDIS_URL. Details and the replay server: docs/ncbi.md.
"""

from __future__ import annotations

from papers.ncbi.config import NcbiConfig, config_from_settings
from papers.ncbi.errors import (
    InvalidIdentifierError,
    NcbiError,
    PermanentNcbiError,
    TransientNcbiError,
)
from papers.ncbi.pubmed import (
    BATCH_SIZE,
    FetchedBatch,
    SearchResult,
    fetch_pubmed_batch,
    fetch_pubmed_xml,
    iter_pubmed_xml,
    normalize_doi,
    pmids_for_doi,
    search_pmids,
    split_batches,
)
from papers.ncbi.redirect import install as _install_entrez_redirect

# Importing the client is enough for any Bio.Entrez call in this process (ours, a shell
# session's) to go to EUTILS_BASE_URL with our identity and timeout: see redirect.py.
_install_entrez_redirect()

__all__ = [
    "BATCH_SIZE",
    "FetchedBatch",
    "InvalidIdentifierError",
    "NcbiConfig",
    "NcbiError",
    "PermanentNcbiError",
    "SearchResult",
    "TransientNcbiError",
    "config_from_settings",
    "fetch_pubmed_batch",
    "fetch_pubmed_xml",
    "iter_pubmed_xml",
    "normalize_doi",
    "pmids_for_doi",
    "search_pmids",
    "split_batches",
]
