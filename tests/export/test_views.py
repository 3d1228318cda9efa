"""Export downloads over HTTP: one paper, a therapy's papers, a search result, and the Cite page."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from papers.models import Paper
from papers.search.index import update_search_vectors
from papers.views import export as export_views
from tests.factories import EvidenceNoteFactory, PaperFactory, TherapyFactory

pytestmark = pytest.mark.django_db


def reindex() -> None:
    update_search_vectors(paper_ids=Paper.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("fmt", "content_type", "filename", "marker"),
    [
        ("bibtex", "application/x-bibtex", "pmid-31649335.bib", "@article{Lunemann2020Immune,"),
        ("ris", "application/x-research-info-systems", "pmid-31649335.ris", "TY  - JOUR\r\n"),
        ("csl-json", "application/vnd.citationstyles.csl+json", "pmid-31649335.json", '"PMID"'),
    ],
)
def test_one_paper_downloads_in_each_format(client, review, fmt, content_type, filename, marker):
    url = reverse("papers:export-paper", kwargs={"pk": review.pk, "fmt": fmt})

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert marker in response.content.decode()


def test_an_unknown_format_or_paper_is_a_404(client, review):
    bad_format = reverse("papers:export-paper", kwargs={"pk": review.pk, "fmt": "docx"})
    missing = reverse("papers:export-paper", kwargs={"pk": review.pk + 999, "fmt": "ris"})

    assert client.get(bad_format).status_code == 404
    assert client.get(missing).status_code == 404


def test_a_therapy_export_holds_exactly_its_papers(client, review, awkward_paper):
    therapy = TherapyFactory(name="Alemtuzumab", slug="alemtuzumab")
    EvidenceNoteFactory(therapy=therapy, papers=[review, awkward_paper])
    PaperFactory(title="Not tied to the therapy")
    url = reverse("papers:export-therapy", kwargs={"slug": "alemtuzumab", "fmt": "csl-json"})

    response = client.get(url)
    items = json.loads(response.content)

    assert response["Content-Disposition"] == 'attachment; filename="irtkb-alemtuzumab.json"'
    assert [item["id"] for item in items] == ["pmid:31649335", "pmid:990000001"]


def test_a_therapy_export_queries_a_fixed_number_of_times(
    client, review, django_assert_max_num_queries
):
    therapy = TherapyFactory(slug="hsct")
    papers = PaperFactory.create_batch(25)
    EvidenceNoteFactory(therapy=therapy, papers=[review, *papers])
    url = reverse("papers:export-therapy", kwargs={"slug": "hsct", "fmt": "bibtex"})

    with django_assert_max_num_queries(3):
        response = client.get(url)

    assert response.content.decode().count("@article{") == 26


def test_a_search_export_uses_the_query_and_filters(client, review, awkward_paper):
    PaperFactory(title="Immune reconstitution after transplantation", pub_year=2010)
    reindex()
    url = reverse("papers:export-search", kwargs={"fmt": "ris"})

    response = client.get(url, {"q": "immune reconstitution", "year_from": "2019"})

    text = response.content.decode()
    assert response["Content-Disposition"] == 'attachment; filename="irtkb-search.ris"'
    assert text.count("TY  - JOUR") == 1
    assert "AN  - 31649335" in text
    assert "X-Export-Truncated" not in response


def test_a_search_export_is_capped_with_a_clear_message(client, monkeypatch):
    monkeypatch.setattr(export_views, "EXPORT_CAP", 3)
    for number in range(5):
        PaperFactory(title=f"Ocrelizumab cohort {number}")
    reindex()
    url = reverse("papers:export-search", kwargs={"fmt": "bibtex"})

    response = client.get(url, {"q": "ocrelizumab"})
    text = response.content.decode()

    assert text.count("@article{") == 3
    assert "first 3 results only; narrow the search to export the rest" in text
    assert "first 3 results only" in response["X-Export-Truncated"]


def test_the_search_page_says_when_an_export_will_be_capped(client, monkeypatch):
    monkeypatch.setattr("papers.views.search.EXPORT_CAP", 3)
    for number in range(5):
        PaperFactory(title=f"Ocrelizumab cohort {number}")
    reindex()

    html = client.get(reverse("papers:search"), {"q": "ocrelizumab"}).content.decode()

    assert "exports stop at 3 papers; narrow the search to export the rest" in html
    assert "/export/search.csl-json?q=ocrelizumab" in html


def test_a_search_export_with_bad_filters_explains_why(client):
    url = reverse("papers:export-search", kwargs={"fmt": "ris"})

    response = client.get(url, {"q": "x", "year_from": "soon"})

    assert response.status_code == 400
    assert "year_from: Enter a whole number." in response.content.decode()


def test_the_cite_page_shows_the_nlm_citation_and_download_links(client, review):
    response = client.get(reverse("papers:cite-paper", kwargs={"pk": review.pk}))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Lünemann JD, Ruck T, Muraro PA, Bar-Or A, Wiendl H. Immune reconstitution" in html
    assert "Epub 2019 Oct 24. PMID: 31649335." in html
    for fmt in ("bibtex", "ris", "csl-json"):
        assert reverse("papers:export-paper", kwargs={"pk": review.pk, "fmt": fmt}) in html


def test_a_search_export_without_words_or_filters_is_refused(client, review):
    url = reverse("papers:export-search", kwargs={"fmt": "ris"})

    response = client.get(url)

    assert response.status_code == 400
    assert "give search words or at least one filter" in response.content.decode()
