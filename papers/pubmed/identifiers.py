"""The one place text becomes a PubMed identifier: a PMID (an int) or a DOI (normalised).

Whatever takes identifiers from people (management commands, the admin, forms) converts them
here once, at the edge; below that, a PMID is an ``int`` and a DOI a normalised string.
"""

from __future__ import annotations

import re

from papers.pubmed.errors import InvalidIdentifierError

# PubMed's PMIDs have at most eight digits today. The ceiling is PostgreSQL's integer, which
# the per-PMID advisory locks (papers/ingest.py) key on: a larger number is not a PMID.
MAX_PMID = 2_147_483_647
# ASCII digits only: str.isdigit() also accepts "²" and Arabic-Indic digits.
_PMID_TEXT = re.compile(r"[0-9]+")
_DOI_PREFIXES = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


def parse_pmid(value: str | int) -> int:
    """Return ``value`` as a PMID, from an int or text such as " 31649335 ".

    Raise InvalidIdentifierError ("not a PMID: '12a'") for anything else: zero, negative,
    non-digits, booleans, floats, or numbers too large to be a PMID.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        pmid = value
    elif isinstance(value, str) and _PMID_TEXT.fullmatch(value.strip()):
        pmid = int(value.strip())
    else:
        raise InvalidIdentifierError(f"not a PMID: {value!r}", identifiers=[value])
    if not 0 < pmid <= MAX_PMID:
        raise InvalidIdentifierError(f"not a PMID: {value!r}", identifiers=[value])
    return pmid


def strip_doi_prefix(text: str) -> str:
    """Return ``text`` trimmed and without a ``doi:`` or ``https://doi.org/`` prefix.

    It does not check that what is left is a DOI: ``normalize_doi`` does, for input that must
    be one; a lookup (the API's ``doi`` filter) just finds nothing for a non-DOI.
    """
    return _DOI_PREFIXES.sub("", (text or "").strip()).strip()


def normalize_doi(doi: str) -> str:
    """Return ``doi`` without a ``doi:``/URL prefix or whitespace; reject non-DOIs.

    Accepts "10.1038/x", "doi:10.1038/x" and "https://doi.org/10.1038/x". DOIs compare
    case-insensitively, so the case is kept as given.
    """
    value = strip_doi_prefix(doi)
    # A quote would end the quoted esearch phrase early; real DOIs do not contain one.
    if (
        not value.startswith("10.")
        or "/" not in value
        or '"' in value
        or any(ch.isspace() for ch in value)
    ):
        raise InvalidIdentifierError(f"not a DOI: {doi!r}", identifiers=[doi])
    return value
