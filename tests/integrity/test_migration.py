"""Migration 0011 on a database that already holds bad identifiers: it runs, cleans what only
needs a prefix taken off, keeps the rest untouched, and enforces the rules from then on."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from tests.integrity.migrating import migrate_to

pytestmark = pytest.mark.usefixtures("back_to_the_latest_schema")
BEFORE = [("papers", "0010_jobs_cancel_retry_schedule_key")]
AFTER = [("papers", "0011_identifiers_history_overrides")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_bad_rows_and_refuses_new_ones():
    migrate_to(BEFORE)
    rows = {
        "zero": (0, None),
        "prefixed": (990_200_001, " https://doi.org/10.5555/Prefixed.1 "),
        "doi_colon": (990_200_002, "doi: 10.5555/colon.2"),
        "junk": (990_200_003, "not a doi"),
        "taken": (990_200_004, "doi:10.5555/held.4"),
        "holder": (990_200_005, "10.5555/HELD.4"),
    }
    with connection.cursor() as cursor:
        for title, (pmid, doi) in rows.items():
            cursor.execute(
                "INSERT INTO papers_paper (pmid, doi, pii, title, vernacular_title, abstract,"
                " abstract_copyright, volume, issue, pages, book_title, publisher, pub_season,"
                " pub_medline_date, publication_status, languages, publication_types, keywords,"
                " is_retracted, has_erratum, has_expression_of_concern, not_in_pubmed,"
                " deleted_from_pubmed, fetch_state, fetch_error, source_hash, created_at)"
                " VALUES (%s, %s, '', %s, '', '[]', '', '', '', '', '', '', '', '', '', '{}',"
                " '{}', '{}', false, false, false, false, false, 'fetched', '', '', now())",
                [pmid, doi, title],
            )

    migrate_to(AFTER)

    with connection.cursor() as cursor:
        cursor.execute("SELECT title, pmid, doi FROM papers_paper")
        stored = {title: (pmid, doi) for title, pmid, doi in cursor.fetchall()}
        assert stored == {
            "zero": (0, None),  # kept: nothing is deleted
            "prefixed": (990_200_001, "10.5555/Prefixed.1"),
            "doi_colon": (990_200_002, "10.5555/colon.2"),
            "junk": (990_200_003, "not a doi"),  # kept for an admin to correct
            "taken": (990_200_004, "doi:10.5555/held.4"),  # cleaning would collide: kept
            "holder": (990_200_005, "10.5555/HELD.4"),
        }
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute("UPDATE papers_paper SET doi = 'still not a doi' WHERE pmid = 990200005")
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute("UPDATE papers_paper SET pmid = 0 WHERE pmid = 990200005")
        cursor.execute("DELETE FROM papers_paper")
