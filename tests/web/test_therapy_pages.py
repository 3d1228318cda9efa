from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from papers.models import EvidenceNote, Therapy
from tests import factories
from tests.web.conftest import build_knowledge_base, make_paper

pytestmark = pytest.mark.django_db


def _chart_data(html: str, element_id: str) -> dict:
    start = html.index(f'<script id="{element_id}" type="application/json">') + len(
        f'<script id="{element_id}" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_list_shows_each_therapy_with_its_evidence_counts(client, kb):
    response = client.get(reverse("papers:therapy-list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Therapies · irtkb</title>" in html
    for therapy in kb.therapies:
        assert therapy.get_absolute_url() in html
    assert "2 pivotal trials" in html
    assert f"{len(EvidenceNote.NoteType.values)} evidence notes" in html


def test_the_detail_page_shows_what_the_therapy_is(client, kb):
    therapy = kb.therapies[0]
    therapy.regimen = Therapy.Regimen.CONTINUOUS
    therapy.irt_standing = Therapy.IrtStanding.CONTESTED
    therapy.irt_standing_detail = "Continuous dosing keeps B cells depleted."
    therapy.safety_concerns = "Infusion reactions; hypogammaglobulinaemia."
    therapy.save()

    response = client.get(therapy.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert f"<title>{therapy.name} · irtkb</title>" in html
    assert "monoclonal antibody" in html
    assert "CD52" in html
    assert "Depletes circulating lymphocytes." in html
    assert "continuous (maintenance dosing)" in html
    assert "IRT status contested" in html
    assert "Continuous dosing keeps B cells depleted." in html
    assert "hypogammaglobulinaemia" in html


def test_the_reconstitution_chart_ties_every_point_to_its_source(client, kb):
    therapy = kb.therapies[0]
    points = list(therapy.reconstitution_points.select_related("source"))

    html = client.get(therapy.get_absolute_url()).content.decode()

    figure = html[html.index('<figure class="chart recon-chart"') : html.index("</figure>")]
    # One linked row per point, drawn as SVG with classes and no inline style (CSP).
    assert figure.count('<a class="recon-row"') == len(points)
    assert "style=" not in figure
    for point in points:
        assert f'<a class="recon-row" href="/papers/{point.source.pk}/' in figure
        assert point.cell_population in figure
    assert figure.count('class="recon-range"') == len(points)  # the factory's 6-12 ranges
    assert "range 6–12 months" in figure
    # The same data as a table, readable without the picture, each row linking its source.
    assert ">Depletion and recovery by cell population</caption>" in html
    for point in points:
        assert f'href="/papers/{point.source.pk}/' in html


def test_a_point_without_a_recovery_time_is_listed_but_not_charted(client, kb):
    therapy = kb.therapies[0]
    factories.ReconstitutionPointFactory(
        therapy=therapy,
        cell_population="Memory B cells",
        recovery_months_min=None,
        recovery_months_max=None,
        recovery_statistic="",
        source=kb.cited[0],
    )

    html = client.get(therapy.get_absolute_url()).content.decode()

    figure = html[html.index('<figure class="chart recon-chart"') : html.index("</figure>")]
    assert "Memory B cells" not in figure
    assert "Memory B cells" in html
    assert "not reported" in html


def test_a_therapy_with_no_charted_time_draws_no_chart(client, db):
    factories.ReconstitutionPointFactory(
        therapy=factories.TherapyFactory(slug="depletion-only"),
        cell_population="T and B lymphocytes",
        recovery_months_min=None,
        recovery_months_max=None,
        recovery_statistic="",
    )

    url = reverse("papers:therapy-detail", kwargs={"slug": "depletion-only"})
    html = client.get(url).content.decode()

    assert "recon-chart" not in html
    assert "T and B lymphocytes" in html


def test_pivotal_trials_show_their_headline_results_and_papers(client, kb):
    therapy = kb.therapies[0]
    trial = therapy.pivotal_trials.select_related("paper").first()
    trial.headline_result = "Relapse rate fell by 55% against interferon beta-1a."
    trial.save()

    html = client.get(therapy.get_absolute_url()).content.decode()

    assert trial.name in html
    assert "Relapse rate fell by 55% against interferon beta-1a." in html
    assert f"https://pubmed.ncbi.nlm.nih.gov/{trial.paper.pmid}/" in html


def test_published_notes_are_grouped_by_type_with_their_citations_and_flags(client, kb):
    therapy = kb.therapies[0]
    safety = therapy.evidence_notes.get(note_type=EvidenceNote.NoteType.SAFETY)
    safety.needs_review = True
    safety.review_reason = "A cited paper was retracted."
    safety.save()
    retracted = safety.papers.first()
    retracted.is_retracted = True
    retracted.save()
    factories.EvidenceNoteFactory(
        therapy=therapy, status=EvidenceNote.Status.DRAFT, statement="Draft only, not public."
    )

    html = client.get(therapy.get_absolute_url()).content.decode()

    for value, label in EvidenceNote.NoteType.choices:
        assert f'id="notes-{value}"' in html
        assert f">{label[0].upper() + label[1:]}</h3>" in html
    assert html.index('id="notes-efficacy"') < html.index('id="notes-safety"')
    assert "Needs review" in html
    assert "A cited paper was retracted." in html
    assert "Retracted</span>" in html
    assert "Draft only, not public." not in html


def test_the_papers_by_year_chart_counts_the_papers_tied_to_the_therapy(client, db):
    therapy = factories.TherapyFactory()
    trial_paper = make_paper(pub_year=2012)
    note_paper = make_paper(pub_year=2014)
    point_paper = make_paper(pub_year=2014)
    unrelated = make_paper(pub_year=2013)
    factories.PivotalTrialFactory(therapy=therapy, paper=trial_paper)
    factories.EvidenceNoteFactory(therapy=therapy, papers=[note_paper, trial_paper])
    factories.ReconstitutionPointFactory(therapy=therapy, source=point_paper)
    factories.EvidenceNoteFactory(
        therapy=therapy, status=EvidenceNote.Status.DRAFT, papers=[unrelated]
    )

    html = client.get(therapy.get_absolute_url()).content.decode()

    bars = _chart_data(html, "years-data")["bars"]
    assert [(b["label"], b["count"]) for b in bars] == [("2012", 1), ("2013", 0), ("2014", 2)]
    assert bars[2]["url"] == reverse("papers:therapy-papers", args=[therapy.slug]) + "?year=2014"
    assert "3 papers in irtkb are tied to" in html


def test_an_unknown_therapy_is_a_404(client, db):
    response = client.get(reverse("papers:therapy-detail", args=["no-such-therapy"]))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_therapy_paper_list_filters_by_year_and_paginates(client, db):
    therapy = factories.TherapyFactory()
    papers = [make_paper(pub_year=2010 + i % 2, authors=1, mesh=0) for i in range(30)]
    factories.EvidenceNoteFactory(therapy=therapy, papers=papers)
    url = reverse("papers:therapy-papers", args=[therapy.slug])

    first = client.get(url).content.decode()
    filtered = client.get(url, {"year": 2011}).content.decode()
    second = client.get(url, {"year": 2011, "page": 2})

    assert "30 papers" in first
    assert "Page 1 of 2" in first
    assert "15 papers" in filtered
    assert "Page 1 of" not in filtered
    assert second.status_code == 200
    assert "Papers on" in second.content.decode()


def test_a_bad_year_is_reported_and_ignored(client, db):
    therapy = factories.TherapyFactory()
    factories.EvidenceNoteFactory(therapy=therapy, papers=[make_paper(authors=1, mesh=0)])
    url = reverse("papers:therapy-papers", args=[therapy.slug])

    response = client.get(url, {"year": "1999<script>", "page": "banana"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a whole number." in html
    assert "1 paper" in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>")[0]


def test_the_detail_page_query_count_does_not_grow_with_the_data(
    client, db, django_assert_max_num_queries
):
    kb = build_knowledge_base(papers=30, therapies=2)
    therapy = kb.therapies[0]
    for paper in kb.cited:
        factories.EvidenceNoteFactory(therapy=therapy, papers=[paper])
        factories.ReconstitutionPointFactory(therapy=therapy, source=paper)

    with django_assert_max_num_queries(6):
        response = client.get(therapy.get_absolute_url())
    assert response.status_code == 200


def test_the_list_pages_query_counts_do_not_grow_with_the_data(
    client, db, django_assert_max_num_queries
):
    kb = build_knowledge_base(papers=30, therapies=5)
    therapy = kb.therapies[0]
    factories.EvidenceNoteFactory(therapy=therapy, papers=kb.cited)

    with django_assert_max_num_queries(2):
        assert client.get(reverse("papers:therapy-list")).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("papers:therapy-papers", args=[therapy.slug])).status_code == 200


def test_each_note_shows_a_few_papers_flagged_first_and_links_the_rest(client, db):
    therapy = factories.TherapyFactory()
    papers = [
        make_paper(pub_year=2000 + i, pub_date_sort=dt.date(2000 + i, 1, 1), authors=1, mesh=0)
        for i in range(5)
    ]
    oldest = papers[0]
    oldest.is_retracted = True
    oldest.save()
    note = factories.EvidenceNoteFactory(therapy=therapy, papers=papers)

    html = client.get(therapy.get_absolute_url()).content.decode()
    note_html = html.split(f'id="note-{note.pk}"', 1)[1].split("</li>\n      \n", 1)[0]

    positions = {p: note_html.find(f'href="{p.get_absolute_url()}"') for p in papers}
    shown = sorted((p for p in papers if positions[p] >= 0), key=positions.get)
    assert shown == [oldest, papers[4], papers[3]]  # the retracted one first, then newest
    assert "Retracted</span>" in note_html
    more = reverse("papers:therapy-papers", args=[therapy.slug])
    assert f'<a href="{more}">and 2 more papers</a>' in note_html


def test_the_detail_page_never_reads_search_vectors_or_abstracts(client, kb):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(kb.therapies[0].get_absolute_url()).status_code == 200

    for query in queries:
        assert '"search_vector"' not in query["sql"]
        assert '"papers_paper"."abstract"' not in query["sql"]
