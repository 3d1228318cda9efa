"""The one place text becomes a paper identifier: a PMID (an int) or a DOI (normalised).

Whatever takes identifiers from people (management commands, the admin, curation forms, the
search box) converts them here once, at the edge; below that, a PMID is an ``int`` and a DOI a
normalised string. The database holds the same rules as CHECK constraints (``PMID_MIN``, and
``DOI_SQL_PATTERN``, the SQL twin of ``DOI_SYNTAX``: papers/models/bibliography.py), so a row
written around the forms is refused too; ``pmid_problem`` and ``doi_problem`` word the rules
for people, whoever asks.
"""

from __future__ import annotations

import re

from papers.pubmed.errors import InvalidIdentifierError

PMID_MIN = 1
# PubMed's PMIDs have at most eight digits today. The ceiling is PostgreSQL's integer, which
# the per-PMID advisory locks (papers/ingest.py) key on: a larger number is not a PMID.
MAX_PMID = 2_147_483_647
# ASCII digits only: str.isdigit() also accepts "²" and Arabic-Indic digits.
_PMID_TEXT = re.compile(r"[0-9]+")
# "PMID: 123", "pmid 123" and PubMed's page URL are how people paste a PMID.
_PMID_FORMS = re.compile(
    r"^(?:pmid\s*[:=]?\s*|(?:https?://)?(?:www\.)?pubmed\.ncbi\.nlm\.nih\.gov/)?([0-9]+)/?$",
    re.IGNORECASE,
)
# "doi:", "doi: ", "https://doi.org/", "dx.doi.org/" (with or without the scheme).
_DOI_PREFIXES = re.compile(r"^(?:doi\s*:\s*|(?:https?://)?(?:dx\.)?doi\.org/)", re.IGNORECASE)
# A DOI is "10.<registrant>/<suffix>" (DOI Handbook 2.2): a registrant code of 4-9 digits
# (sub-registrants after a dot), a suffix of anything but space. A quote would end the quoted
# esearch phrase early, and real DOIs do not contain one.
DOI_SYNTAX = re.compile(r"^10\.[0-9]{4,9}(?:\.[0-9]+)*/[^\s\"]+$")
DOI_SQL_PATTERN = r'^10\.[0-9]{4,9}(\.[0-9]+)*/[^[:space:]"]+$'
DOI_RULE = "a DOI looks like 10.1056/NEJMoa1601277: 10., 4 to 9 digits, a slash, no spaces"
PMID_RULE = "a PMID is a whole number from 1 up (e.g. 31649335)"


def pmid_problem(value: object) -> str | None:
    """Return why ``value`` (an int) is not a PMID, in words, or None if it is one."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{value!r} is not a PMID: {PMID_RULE}"
    if not PMID_MIN <= value <= MAX_PMID:
        return f"{value} is not a PMID: {PMID_RULE}"
    return None


def doi_problem(value: object) -> str | None:
    """Return why ``value`` is not a DOI in its stored form (no prefix, no space), or None."""
    if not isinstance(value, str) or not DOI_SYNTAX.match(value):
        return f"{value!r} is not a DOI: {DOI_RULE}"
    return None


def parse_pmid(value: str | int) -> int:
    """Return ``value`` as a PMID, from an int or digits such as " 31649335 ".

    Raise InvalidIdentifierError ("not a PMID: '12a'") for anything else: zero, negative,
    non-digits, booleans, floats, or numbers too large to be a PMID.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        pmid = value
    elif isinstance(value, str) and _PMID_TEXT.fullmatch(value.strip()):
        pmid = int(value.strip())
    else:
        raise InvalidIdentifierError(f"not a PMID: {value!r}", identifiers=[value])
    if pmid_problem(pmid):
        raise InvalidIdentifierError(f"not a PMID: {value!r}", identifiers=[value])
    return pmid


def pmid_digits(text: str) -> str | None:
    """Return the digits of a PMID as people paste one ("123", "PMID: 123", PubMed's URL),
    or None if ``text`` is not written as a PMID (whether the number is one: ``parse_pmid``)."""
    match = _PMID_FORMS.match((text or "").strip())
    return match.group(1) if match else None


def strip_doi_prefix(text: str) -> str:
    """Return ``text`` trimmed and without a ``doi:`` or ``https://doi.org/`` prefix.

    It does not check that what is left is a DOI: ``normalize_doi`` does, for input that must
    be one; a lookup (the API's ``doi`` filter) just finds nothing for a non-DOI.
    """
    return _DOI_PREFIXES.sub("", (text or "").strip()).strip()


def normalize_doi(doi: str) -> str:
    """Return ``doi`` without a ``doi:``/URL prefix or whitespace; reject non-DOIs.

    Accepts "10.1038/x", "doi:10.1038/x" and "https://doi.org/10.1038/x". DOIs compare
    case-insensitively (the unique constraint and ``doi_key`` use lower case), so the case is
    kept as PubMed and publishers print it.
    """
    value = strip_doi_prefix(doi)
    if doi_problem(value):
        raise InvalidIdentifierError(f"not a DOI: {doi!r}", identifiers=[doi])
    return value
