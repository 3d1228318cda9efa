from __future__ import annotations

import pytest
from django.urls import reverse

from papers.models import Paper
from tests import factories
from tests.web.conftest import build_knowledge_base

pytestmark = pytest.mark.django_db


def test_it_shows_what_pubmed_shows_for_the_review(client, kb):
    review = kb.review
    descriptor = review.mesh_headings.select_related("descriptor").first().descriptor

    response = client.get(reverse("papers:review"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Immune reconstitution therapies: concepts for durable remission" in html
    assert "2020 Jan;16(1):56-62." in html
    assert 'doi: <a href="https://doi.org/10.1038/s41582-019-0268-z"' in html
    assert "Epub 2019 Oct 24." in html
    assert "New so-called immune reconstitution therapies" in html
    assert "<li>Review</li>" in html
    assert descriptor.name in html
    assert "drug therapy" in html
    for authorship in review.authorships.select_related("author"):
        assert authorship.author.display_name in html
    assert "Department of Neurology, Test University 1" in html
    assert "Erratum in:" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/31649335/"' in html


def test_affiliations_are_numbered_once_and_marked_on_each_author(client, kb):
    html = client.get(reverse("papers:review")).content.decode()

    # Five authors share two affiliations: each text is listed once, authors carry 1 or 2.
    assert html.count("<li>Department of Neurology, Test University") == 2
    assert "<sup>1</sup>" in html
    assert "<sup>2</sup>" in html


def test_references_are_numbered_with_their_links(client, kb):
    first = kb.cited[0]
    first.pmcid = "PMC9900001"
    first.doi = "10.9999/irtkb.test.1"
    first.save()

    html = client.get(reverse("papers:review")).content.decode()

    references = html.split('id="references-heading"', 1)[1]
    assert references.count('<li id="ref-') == len(kb.cited)
    assert '<li id="ref-1" value="1">' in references
    assert "Cited work 1." in references
    assert f'href="https://pubmed.ncbi.nlm.nih.gov/{first.pmid}/"' in references
    assert 'href="https://pmc.ncbi.nlm.nih.gov/articles/PMC9900001/"' in references
    assert 'href="https://doi.org/10.9999/irtkb.test.1"' in references
    assert f'href="/papers/{first.pk}/' in references


def test_a_reference_whose_paper_is_not_fetched_shows_its_citation_and_a_badge(client, kb):
    pending = factories.PaperFactory(
        title="", journal=None, fetch_state=Paper.FetchState.PENDING, pub_year=None
    )
    factories.ReferenceFactory(
        review=kb.review,
        position=101,
        citation="Pending, P. et al. A pending work. (2001).",
        paper=pending,
    )
    factories.ReferenceFactory(
        review=kb.review,
        position=102,
        citation="Unresolved, U. A work with a PMID.",
        pmid=990_999_999,
        paper=None,
    )
    factories.ReferenceFactory(
        review=kb.review, position=103, citation="Nobody, N. A work with nothing.", paper=None
    )

    html = client.get(reverse("papers:review")).content.decode()

    tail = html.split('<li id="ref-101"', 1)[1].split("</ol>", 1)[0]
    assert "Pending, P. et al. A pending work. (2001)." in tail
    assert "Unresolved, U. A work with a PMID." in tail
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/990999999/"' in tail
    assert tail.count("Not yet fetched") == 2
    assert "Not yet identified" in tail
    assert "None" not in tail


def test_each_reference_says_which_therapies_and_notes_use_it(client, kb):
    therapy = kb.therapies[0]
    trial = therapy.pivotal_trials.select_related("paper").first()
    note = therapy.evidence_notes.first()
    cited_by_note = note.papers.first()
    positions = {paper.pk: i for i, paper in enumerate(kb.cited, start=1)}

    html = client.get(reverse("papers:review")).content.decode()

    trial_ref = html.split(f'<li id="ref-{positions[trial.paper.pk]}"', 1)[1].split("</li>")[0]
    assert f"{therapy.name} ({trial.name} pivotal trial)" in trial_ref
    note_ref = html.split(f'<li id="ref-{positions[cited_by_note.pk]}"', 1)[1].split("</li>")[0]
    assert f"#note-{note.pk}" in note_ref


def test_it_is_a_404_before_the_review_is_loaded(client, db):
    assert client.get(reverse("papers:review")).status_code == 404


def test_its_query_count_does_not_grow_with_the_references(
    client, db, django_assert_max_num_queries
):
    build_knowledge_base(papers=40, therapies=5)

    with django_assert_max_num_queries(9):
        response = client.get(reverse("papers:review"))
    assert response.status_code == 200
    assert response.content.decode().count('<li id="ref-') == 40


def test_the_review_page_says_how_many_of_its_references_are_known_here(client, kb):
    count = kb.review.reference_list.count()
    assert count > 0

    html = client.get(reverse("papers:review")).content.decode()

    assert f"{count} of the review's references are known here" in html
    assert "a PubMed refresh with internet access fills in the rest" in html
