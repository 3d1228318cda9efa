"""The stored search vector: what goes into it, with which weight, and keeping it current."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F

from papers.models import EvidenceNote, Paper
from papers.search.index import (
    SEARCH_CONFIG,
    update_search_vectors,
    update_search_vectors_for_notes,
)
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    EvidenceNoteFactory,
    JournalFactory,
    MeshDescriptorFactory,
    PaperFactory,
    PaperMeshFactory,
)

pytestmark = pytest.mark.django_db


def matching(text: str) -> set[int]:
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    return set(Paper.objects.filter(search_vector=query).values_list("pk", flat=True))


def test_it_indexes_title_authors_mesh_keywords_abstract_and_journal():
    journal = JournalFactory(title="Multiple Sclerosis Journal", iso_abbreviation="Mult Scler")
    paper = PaperFactory(
        title="Natalizumab <i>in vivo</i> effects",
        keywords=["lymphopenia"],
        journal=journal,
        abstract=[
            {"label": "BACKGROUND", "nlm_category": "BACKGROUND", "text": "Thymic output."},
            {"label": "RESULTS", "nlm_category": "RESULTS", "text": "Clonal <b>expansion</b>."},
        ],
    )
    AuthorshipFactory(paper=paper, author=AuthorFactory(last_name="Wiendl", fore_name="Heinz"))
    PaperMeshFactory(paper=paper, descriptor=MeshDescriptorFactory(name="Alemtuzumab"))
    other = PaperFactory(title="Unrelated")

    assert update_search_vectors(paper_ids=[paper.pk, other.pk]) == 2

    for text in (
        "natalizumab",
        "vivo",
        "Wiendl",
        "Heinz",
        "alemtuzumab",
        "lymphopenia",
        "thymic",
        "expansion",
        "Mult Scler",
    ):
        assert matching(text) == {paper.pk}, text


def test_it_folds_accented_author_names_into_the_vector():
    paper = PaperFactory(title="Review")
    AuthorshipFactory(paper=paper, author=AuthorFactory(last_name="Lünemann", fore_name="Jan D"))
    update_search_vectors(paper_ids=[paper.pk])

    assert matching("Lünemann") == {paper.pk}
    assert matching("Lunemann") == {paper.pk}


def test_it_ranks_a_title_match_above_an_abstract_match_above_a_journal_match():
    in_title = PaperFactory(title="Cladribine tablets", abstract=[])
    in_abstract = PaperFactory(
        title="Oral therapy", abstract=[{"label": "", "nlm_category": "", "text": "Cladribine."}]
    )
    in_journal = PaperFactory(
        title="Oral therapy", abstract=[], journal=JournalFactory(title="Cladribine Letters")
    )
    update_search_vectors(paper_ids=[in_title.pk, in_abstract.pk, in_journal.pk])
    query = SearchQuery("cladribine", config=SEARCH_CONFIG)

    ranked = list(
        Paper.objects.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank")
        .values_list("pk", flat=True)
    )

    assert ranked == [in_title.pk, in_abstract.pk, in_journal.pk]


def test_only_published_notes_make_their_papers_findable():
    published = PaperFactory(title="Paper one")
    drafted = PaperFactory(title="Paper two")
    EvidenceNoteFactory(statement="Durable remission without maintenance", papers=[published])
    EvidenceNoteFactory(
        statement="Durable remission draft", status=EvidenceNote.Status.DRAFT, papers=[drafted]
    )
    update_search_vectors(paper_ids=[published.pk, drafted.pk])

    assert matching("maintenance") == {published.pk}
    assert matching("durable remission") == {published.pk}


def test_updating_for_notes_follows_publication_and_retirement():
    paper = PaperFactory(title="Paper")
    note = EvidenceNoteFactory(
        statement="Repertoire renewal", status=EvidenceNote.Status.DRAFT, papers=[paper]
    )
    update_search_vectors(paper_ids=[paper.pk])
    assert matching("repertoire") == set()

    note.status = EvidenceNote.Status.PUBLISHED
    note.save()
    assert update_search_vectors_for_notes(note_ids=[note.pk]) == 1
    assert matching("repertoire") == {paper.pk}

    note.status = EvidenceNote.Status.RETIRED
    note.save()
    update_search_vectors_for_notes(note_ids=[note.pk])
    assert matching("repertoire") == set()


def test_it_updates_many_papers_in_one_statement(django_assert_num_queries):
    papers = PaperFactory.create_batch(40)
    for paper in papers:
        AuthorshipFactory.create_batch(3, paper=paper)

    with django_assert_num_queries(1):
        assert update_search_vectors(paper_ids=[paper.pk for paper in papers]) == 40


def test_it_ignores_unknown_ids_and_an_empty_list():
    assert update_search_vectors(paper_ids=[]) == 0
    assert update_search_vectors(paper_ids=[987654321]) == 0
