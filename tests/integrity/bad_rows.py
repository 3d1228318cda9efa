"""Write a row the CHECK constraints refuse, as raw SQL around the forms would have before
migration 0010 (which adds them NOT VALID, keeping such rows)."""

from __future__ import annotations

from django.db import connection

from papers.pubmed.identifiers import DOI_SQL_PATTERN


def write_around_the_rules(sql: str, params: list | None = None) -> None:
    """Run ``sql`` with the identifier checks dropped, then put them back NOT VALID."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending triggers
        cursor.execute("ALTER TABLE papers_paper DROP CONSTRAINT paper_pmid_valid")
        cursor.execute("ALTER TABLE papers_paper DROP CONSTRAINT paper_doi_valid")
        cursor.execute(sql, params or [])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE papers_paper ADD CONSTRAINT paper_pmid_valid CHECK (pmid >= 1) NOT VALID"
        )
        cursor.execute(
            "ALTER TABLE papers_paper ADD CONSTRAINT paper_doi_valid "
            "CHECK (doi IS NULL OR doi ~ %s) NOT VALID",
            [DOI_SQL_PATTERN],
        )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def with_legacy_doi(paper, doi: str):
    """Give ``paper`` a DOI as stored before the rules (a doi.org prefix, a trailing space):
    what an import from another source left, kept by migration 0010. Return the paper."""
    write_around_the_rules("UPDATE papers_paper SET doi = %s WHERE id = %s", [doi, paper.pk])
    paper.refresh_from_db()
    return paper
