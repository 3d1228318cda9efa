from __future__ import annotations

import pytest
from django.urls import reverse

from papers.models import EvidenceNote
from tests import factories
from tests.web.conftest import build_knowledge_base

pytestmark = pytest.mark.django_db


def test_it_explains_the_question_and_cites_the_review(client, kb):
    response = client.get(reverse("papers:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Immune reconstitution therapies for multiple sclerosis · irtkb</title>" in html
    assert "renew the immune system" in html
    assert "Immune reconstitution therapies: concepts for durable remission" in html
    assert "https://doi.org/10.1038/s41582-019-0268-z" in html
    assert reverse("papers:review") in html


def test_it_shows_every_therapy_as_a_card(client, kb):
    html = client.get(reverse("papers:home")).content.decode()

    for therapy in kb.therapies:
        assert therapy.get_absolute_url() in html
        assert therapy.name in html


def test_it_lists_recent_paper_changes_and_updated_notes(client, kb):
    changed = kb.cited[3]
    factories.PaperChangeFactory(paper=changed, field="is_retracted")
    note = kb.notes[-1]

    html = client.get(reverse("papers:home")).content.decode()

    assert f"PMID {changed.pmid}" in html
    assert "<code>is_retracted</code> changed" in html
    assert f"#note-{note.pk}" in html


def test_it_leaves_draft_notes_out_of_recent_changes(client, db):
    draft = factories.EvidenceNoteFactory(
        status=EvidenceNote.Status.DRAFT, statement="Unreviewed draft claim about T cells."
    )

    html = client.get(reverse("papers:home")).content.decode()

    assert "Unreviewed draft claim" not in html
    assert f"#note-{draft.pk}" not in html


def test_it_says_how_to_load_the_review_when_the_database_is_empty(client, db):
    response = client.get(reverse("papers:home"))

    assert response.status_code == 200
    assert "load_dataset" in response.content.decode()


def test_its_query_count_does_not_grow_with_the_data(client, db, django_assert_max_num_queries):
    build_knowledge_base(papers=30, therapies=5)
    for paper in factories.PaperFactory.create_batch(12):
        factories.PaperChangeFactory(paper=paper)

    with django_assert_max_num_queries(5):
        response = client.get(reverse("papers:home"))
    assert response.status_code == 200
