"""Identifiers typed into the search box: a PMID, a DOI or a PMCID, and the paper each names.

A reader who pastes ``PMID: 23122652``, ``https://doi.org/10.1056/NEJMoa1601277`` or
``PMC1234567`` wants that paper, not a full-text search for its digits; the search page sends
them straight to it when irtkb holds it. The bibliography check (papers/bibcheck/) matches
uploaded entries with the same normalisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models.functions import Lower

from papers.models import Paper
from papers.pubmed.identifiers import DOI_SYNTAX, strip_doi_prefix

# PubMed's PMIDs are below 10^9; more digits is a number, not a PMID.
_PMID = re.compile(r"^(?:pmid\s*[:=]?\s*)?(\d{1,9})$", re.IGNORECASE)
_PMCID = re.compile(r"^(?:pmcid\s*[:=]?\s*)?(pmc\d{1,10})$", re.IGNORECASE)


@dataclass(frozen=True)
class Identifier:
    """One identifier: ``kind`` is "pmid", "doi" or "pmcid"; ``value`` its normal form."""

    kind: str
    value: str

    @property
    def label(self) -> str:
        """Return the identifier as a reader writes it ("PMID 123", "doi:10.1/x", "PMC1")."""
        if self.kind == "pmid":
            return f"PMID {self.value}"
        if self.kind == "doi":
            return f"DOI {self.value}"
        return self.value

    @property
    def lookup_url(self) -> str:
        """Return where the identifier can be looked up outside irtkb."""
        if self.kind == "pmid":
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.value}/"
        if self.kind == "doi":
            return f"https://doi.org/{self.value}"
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{self.value}/"


def normalise_doi(text: str | None) -> str:
    """Return a DOI without "doi:" or a doi.org prefix, trimmed and in lower case ("" if none).

    DOIs are case-insensitive (the DOI Handbook, section 2.4); the same normal form is what
    ``Paper.doi_key`` holds.
    """
    if not text:
        return ""
    bare = strip_doi_prefix(text)
    return bare.lower() if DOI_SYNTAX.match(bare) else ""


def parse_identifier(text: str) -> Identifier | None:
    """Return the identifier ``text`` consists of, or None when it is anything else."""
    text = " ".join(text.split())
    if not text:
        return None
    if match := _PMID.match(text):
        pmid = int(match.group(1))
        return Identifier("pmid", str(pmid)) if pmid > 0 else None
    if match := _PMCID.match(text):
        return Identifier("pmcid", match.group(1).upper())
    doi = normalise_doi(text)
    if doi:
        return Identifier("doi", doi)
    return None


def find_paper(identifier: Identifier) -> Paper | None:
    """Return the paper irtkb holds under ``identifier``, or None."""
    papers = Paper.objects.only("pk", "title")
    if identifier.kind == "pmid":
        return papers.filter(pmid=int(identifier.value)).first()
    if identifier.kind == "pmcid":
        return papers.filter(pmcid=identifier.value).first()
    # lower(doi) has an index (the case-insensitive unique constraint); iexact would use upper().
    found = papers.alias(doi_lower=Lower("doi")).filter(doi_lower=identifier.value).first()
    if found is None:
        # A DOI stored with a doi.org prefix (an import from another source) still counts; the
        # generated key has no index, so it is asked only when the indexed lookup misses.
        found = papers.filter(doi_key=identifier.value).first()
    return found
