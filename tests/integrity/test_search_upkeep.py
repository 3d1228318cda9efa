"""Edits keep search true: admin edits, renames and (bulk) deletes reach the search index."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery
from django.urls import reverse

from papers.models import Paper
from papers.search.index import SEARCH_CONFIG
from tests.factories import AuthorFactory, AuthorshipFactory, EvidenceNoteFactory, PaperFactory
from tests.integrity.admin_forms import post_paper_change

pytestmark = pytest.mark.django_db


def matching(text: str) -> set[int]:
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    return set(Paper.objects.filter(search_vector=query).values_list("pk", flat=True))


def test_an_admin_edit_of_a_title_reaches_search(admin_client):
    paper = PaperFactory(title="Lymphocyte kinetics in the Wombatshire cohort")
    assert matching("Wombatshire") == {paper.pk}

    response = post_paper_change(admin_client, paper, title="Thymic regeneration after aHSCT")

    assert response.status_code == 302
    assert matching("thymic regeneration") == {paper.pk}
    assert matching("Wombatshire") == set()


def test_a_note_removed_by_the_bulk_delete_action_leaves_the_index(admin_client):
    paper = PaperFactory(title="Paper cited by a note")
    note = EvidenceNoteFactory(statement="Sustained NEDA without maintenance", papers=[paper])
    assert matching("maintenance") == {paper.pk}  # note.papers.add() reached the index

    admin_client.post(
        reverse("admin:papers_evidencenote_changelist"),
        {"action": "delete_selected", "_selected_action": [note.pk], "post": "yes"},
    )

    assert not type(note).objects.filter(pk=note.pk).exists()
    assert matching("maintenance") == set()


def test_authorships_removed_by_the_bulk_delete_action_leave_the_index(admin_client):
    paper = PaperFactory()
    authorship = AuthorshipFactory(paper=paper, author=AuthorFactory(last_name="Quillfeather"))
    assert matching("Quillfeather") == {paper.pk}

    admin_client.post(
        reverse("admin:papers_authorship_changelist"),
        {"action": "delete_selected", "_selected_action": [authorship.pk], "post": "yes"},
    )

    assert matching("Quillfeather") == set()


def test_renaming_an_author_reaches_every_paper_naming_them():
    author = AuthorFactory(last_name="Misspeltname")
    papers = [AuthorshipFactory(author=author).paper, AuthorshipFactory(author=author).paper]

    author.last_name = "Correctedname"
    author.save()

    assert matching("Correctedname") == {p.pk for p in papers}
    assert matching("Misspeltname") == set()
