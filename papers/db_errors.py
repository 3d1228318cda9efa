"""Database refusals in words: what a job's error table and the admin show instead of a
constraint name or a driver message."""

from __future__ import annotations

from django.db import DataError, IntegrityError

from papers.pubmed.identifiers import DOI_RULE, PMID_RULE

# Constraint name -> what was wrong, for people. Names are the models' (Meta.constraints)
# and PostgreSQL's defaults for unique columns (<table>_<column>_key).
CONSTRAINT_MESSAGES = {
    "paper_pmid_valid": f"the stored PMID is not a PMID ({PMID_RULE}); correct it in the admin",
    "paper_doi_valid": f"the stored DOI is not a DOI ({DOI_RULE}); correct it in the admin",
    "paper_doi_unique_ci": "another paper already holds this DOI",
    "papers_paper_pmid_key": "another paper already holds this PMID",
    "papers_paper_pmcid_key": "another paper already holds this PMCID",
    "authorship_unique_position": "two authors were given the same position",
    "papermesh_unique_position": "two MeSH headings were given the same position",
    "paperoverride_unique_field": "this field already has a correction",
}
# SQLSTATE classes of DataError (PostgreSQL appendix A).
SQLSTATE_MESSAGES = {
    "22001": "a value is longer than irtkb stores",
    "22003": "a number is out of range",
    "22007": "a date is not a date",
    "22008": "a date is out of range",
    "22P02": "a value is not of the expected kind",
}


def describe_write_error(exc: BaseException) -> str:
    """Return why a write failed, in words, for a job's error table or a form."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if isinstance(exc, IntegrityError):
        name = getattr(diag, "constraint_name", None) or ""
        return CONSTRAINT_MESSAGES.get(name, "the database refused the record as inconsistent")
    if isinstance(exc, DataError):
        state = getattr(cause, "sqlstate", None) or ""
        return SQLSTATE_MESSAGES.get(state, "the database refused a value in the record")
    if isinstance(exc, (ValueError, OverflowError, RecursionError)):
        return str(exc) or exc.__class__.__name__
    return "the record could not be stored"
