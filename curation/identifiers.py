"""Read what a curator typed as a paper identifier: a PMID, a DOI, or a PubMed / doi.org URL.

The rules themselves live in papers.pubmed.identifiers (shared with the admin, the commands,
the search box and the database's CHECK constraints); this module only words them for the
editor.
"""

from __future__ import annotations

from dataclasses import dataclass

from papers.pubmed import InvalidIdentifierError, normalize_doi, parse_pmid, pmid_digits
from papers.pubmed.identifiers import strip_doi_prefix


class IdentifierError(ValueError):
    """What was typed is neither a PMID nor a DOI; the message says which rule it broke."""


@dataclass(frozen=True)
class Identifier:
    kind: str  # "pmid" or "doi"
    value: int | str

    def __str__(self) -> str:
        return f"PMID {self.value}" if self.kind == "pmid" else f"doi:{self.value}"


def parse_identifier(text: str) -> Identifier:
    """Return the PMID or DOI in ``text``; raise IdentifierError with a message for people."""
    value = (text or "").strip()
    if not value:
        raise IdentifierError(
            "Type a PMID (e.g. 31649335) or a DOI (e.g. 10.1038/s41582-019-0268-z)."
        )
    digits = pmid_digits(value)
    if digits is not None:
        try:
            return Identifier("pmid", parse_pmid(digits))
        except InvalidIdentifierError:
            raise IdentifierError(
                f"{value} is not a PMID: PMIDs are whole numbers from 1 up."
            ) from None
    bare = strip_doi_prefix(value)
    if bare.startswith("10."):
        try:
            return Identifier("doi", normalize_doi(bare))
        except InvalidIdentifierError:
            pass
        raise IdentifierError(
            f"{value} is not a well-formed DOI: a DOI looks like 10.1056/NEJMoa1601277, with no "
            "spaces or quotation marks."
        )
    raise IdentifierError(
        f"{value} is neither a PMID (digits only) nor a DOI (starting with 10. and holding a /)."
    )
