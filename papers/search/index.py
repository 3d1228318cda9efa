"""Keep Paper.search_vector current: one weighted tsvector per paper, recomputed in SQL.

Weights: A title; B authors, MeSH headings, keywords and the statements of published evidence
notes that cite the paper; C abstract; D journal. Author names go in twice, as written and
folded to ASCII (irtkb_fold, migration 0002), so "Lunemann" finds "Lünemann" without pg_trgm.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection

from papers.models import EvidenceNote

# The text search configuration used for the vector; queries must use the same one.
SEARCH_CONFIG = "english"

# Papers per statement: big enough to be set-based, small enough to keep each UPDATE's memory
# and lock footprint modest during a bulk load.
CHUNK_SIZE = 5000

# The texts that hang off a paper, for the papers whose ids ``target`` (a CTE) lists.
_CHILD_TEXT_SQL = """
author_text AS (
    SELECT authorship.paper_id,
           string_agg(
               concat_ws(' ', author.fore_name, author.last_name, author.suffix,
                         author.collective_name, irtkb_fold(author.last_name)),
               ' ' ORDER BY authorship.position) AS body
    FROM papers_authorship AS authorship
    JOIN papers_author AS author ON author.id = authorship.author_id
    WHERE authorship.paper_id IN (SELECT id FROM target)
    GROUP BY authorship.paper_id
),
mesh_text AS (
    SELECT heading.paper_id, string_agg(descriptor.name, ' ' ORDER BY heading.position) AS body
    FROM papers_papermesh AS heading
    JOIN papers_meshdescriptor AS descriptor ON descriptor.id = heading.descriptor_id
    WHERE heading.paper_id IN (SELECT id FROM target)
    GROUP BY heading.paper_id
),
note_text AS (
    SELECT citation.paper_id, string_agg(note.statement, ' ' ORDER BY note.id) AS body
    FROM papers_evidencenote_papers AS citation
    JOIN papers_evidencenote AS note ON note.id = citation.evidencenote_id
    WHERE citation.paper_id IN (SELECT id FROM target) AND note.status = %(published)s
    GROUP BY citation.paper_id
)
"""

# The vector of the row ``paper`` (papers_paper, or rows staged in its shape), once joined
# to _JOINS_SQL.
_VECTOR_SQL = """
setweight(to_tsvector(%(config)s::regconfig,
          irtkb_plain(paper.title) || ' ' || irtkb_plain(paper.vernacular_title)), 'A')
|| setweight(to_tsvector(%(config)s::regconfig,
          coalesce(author_text.body, '') || ' ' || coalesce(mesh_text.body, '') || ' '
          || array_to_string(paper.keywords, ' ') || ' '
          || coalesce(note_text.body, '')), 'B')
|| setweight(to_tsvector(%(config)s::regconfig, irtkb_abstract_text(paper.abstract)), 'C')
|| setweight(to_tsvector(%(config)s::regconfig,
          concat_ws(' ', journal.title, journal.iso_abbreviation, paper.book_title)), 'D')
"""

_JOINS_SQL = """
LEFT JOIN papers_journal AS journal ON journal.id = paper.journal_id
LEFT JOIN author_text ON author_text.paper_id = paper.id
LEFT JOIN mesh_text ON mesh_text.paper_id = paper.id
LEFT JOIN note_text ON note_text.paper_id = paper.id
"""

_UPDATE_SQL = f"""
WITH target AS (
    SELECT DISTINCT unnest(%(ids)s::bigint[]) AS id
),
{_CHILD_TEXT_SQL},
document AS (
    SELECT paper.id, {_VECTOR_SQL} AS vector
    FROM papers_paper AS paper
    JOIN target ON target.id = paper.id
    {_JOINS_SQL}
)
UPDATE papers_paper AS paper
SET search_vector = document.vector
FROM document
WHERE paper.id = document.id
"""


def insert_papers_with_vectors(*, staged: str, columns: Sequence[str]) -> int:
    """Insert the paper rows staged in the temporary table ``staged``, each with its vector.

    For new papers: their authorships and MeSH headings must be written first (the foreign
    keys to the papers are checked at commit). One INSERT … SELECT writes each row once; a
    COPY followed by update_search_vectors wrote every new row twice (a second row version,
    and an entry in each of the table's indexes again), which cost as much as the vectors.
    Return how many rows were inserted.
    """
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    values = ", ".join(f"paper.{connection.ops.quote_name(c)}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH target AS (SELECT id FROM {staged}), {_CHILD_TEXT_SQL} "
            f"INSERT INTO papers_paper ({names}, search_vector) "
            f"SELECT {values}, {_VECTOR_SQL} FROM {staged} AS paper {_JOINS_SQL}",
            {"published": EvidenceNote.Status.PUBLISHED, "config": SEARCH_CONFIG},
        )
        return cursor.rowcount


def update_search_vectors(*, paper_ids: Iterable[int]) -> int:
    """Recompute the search vector of the given papers; return how many rows were updated.

    Call after writing papers (or their authors, MeSH headings, journal or keywords). Runs one
    UPDATE per CHUNK_SIZE papers, never a query per paper.
    """
    ids = sorted({int(pk) for pk in paper_ids})
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK_SIZE):
            cursor.execute(
                _UPDATE_SQL,
                {
                    "ids": ids[start : start + CHUNK_SIZE],
                    "published": EvidenceNote.Status.PUBLISHED,
                    "config": SEARCH_CONFIG,
                },
            )
            updated += cursor.rowcount
    return updated


def update_search_vectors_for_notes(*, note_ids: Iterable[int]) -> int:
    """Recompute the search vectors of every paper the given notes cite; return rows updated.

    Call after a note is saved, published, retired or deleted, and after its cited papers
    change. A paper just removed from a note is no longer linked to it, so pass such papers to
    update_search_vectors as well.
    """
    paper_ids = EvidenceNote.papers.through.objects.filter(
        evidencenote_id__in=list(note_ids)
    ).values_list("paper_id", flat=True)
    return update_search_vectors(paper_ids=list(paper_ids))
