from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.web.conftest import build_knowledge_base

pytestmark = pytest.mark.django_db


def test_it_sets_the_therapies_side_by_side(client, kb):
    response = client.get(reverse("papers:compare"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Compare the therapies · irtkb</title>" in html
    header = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    positions = [header.index(therapy.get_absolute_url()) for therapy in kb.therapies]
    assert positions == sorted(positions)
    for row in ("Class", "Target", "Mechanism", "Regimen", "Reconstitution", "Pivotal trials"):
        assert f'<th scope="row">{row}</th>' in html
    assert '<th scope="row">Main risks</th>' in html


def test_every_cell_links_to_its_evidence(client, kb):
    therapy = kb.therapies[0]
    trial = therapy.pivotal_trials.select_related("paper").first()
    point = therapy.reconstitution_points.select_related("source").first()

    html = client.get(reverse("papers:compare")).content.decode()

    assert f'href="/papers/{trial.paper.pk}/' in html
    assert f'href="/papers/{point.source.pk}/' in html
    assert f'{therapy.get_absolute_url()}#notes-mechanism">1 mechanism note</a>' in html
    assert f'{therapy.get_absolute_url()}#notes-safety">1 safety note</a>' in html


def test_a_therapy_without_notes_links_to_its_page_sections(client, db):
    therapy = factories.TherapyFactory(safety_concerns="Secondary autoimmunity.")

    html = client.get(reverse("papers:compare")).content.decode()

    assert f'{therapy.get_absolute_url()}#safety-heading">Details</a>' in html
    assert "Secondary autoimmunity." in html
    assert "None recorded" in html


def test_its_query_count_does_not_grow_with_the_data(client, db, django_assert_max_num_queries):
    kb = build_knowledge_base(papers=30, therapies=5)
    for therapy in kb.therapies:
        for paper in kb.cited[:10]:
            factories.ReconstitutionPointFactory(therapy=therapy, source=paper)

    with django_assert_max_num_queries(4):
        response = client.get(reverse("papers:compare"))
    assert response.status_code == 200
