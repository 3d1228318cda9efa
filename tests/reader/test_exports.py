"""Exports: page ranges in full, flags carried into every format, empty exports say so, and a
Cite control on every paper page."""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy
from django.urls import reverse

from tests import factories
from tests.reader.conftest import make_paper

pytestmark = pytest.mark.django_db


def _csl(client, paper) -> dict:
    url = reverse("papers:export-paper", kwargs={"pk": paper.pk, "fmt": "csl-json"})
    return json.loads(client.get(url).content)[0]


@pytest.mark.parametrize(
    ("stored", "exported"),
    [
        ("1819-28", "1819-1828"),
        ("123-4", "123-124"),
        ("56-62", "56-62"),
        ("1819-1828", "1819-1828"),
        ("S1-5", "S1-S5"),
        ("S1-S5", "S1-S5"),
        ("e123", "e123"),
        ("e123-5", "e123-e125"),
        ("iv-xii", "iv-xii"),
        ("123a-5", "123a-5"),
        ("95-3", "95-3"),
        ("1-5, 9-12", "1-5, 9-12"),
        ("101-9, 120-2", "101-109, 120-122"),
        ("", None),
    ],
)
def test_exports_write_page_ranges_in_full_and_leave_the_rest_unchanged(client, stored, exported):
    paper = make_paper(pages=stored)

    assert _csl(client, paper).get("page") == exported


def test_bibtex_and_ris_carry_the_expanded_range(client, clean_paper):
    bib = client.get(reverse("papers:export-paper", args=[clean_paper.pk, "bibtex"])).content
    ris = client.get(reverse("papers:export-paper", args=[clean_paper.pk, "ris"])).content

    entry = bibtexparser.parse_string(bib.decode()).entries[0]
    assert entry["pages"] == "1819--1828"
    record = rispy.loads(ris.decode())[0]
    assert (record["start_page"], record["end_page"]) == ("1819", "1828")


def test_a_retracted_paper_says_so_in_every_export_format(client, retracted_paper):
    def body(fmt):
        url = reverse("papers:export-paper", args=[retracted_paper.pk, fmt])
        return client.get(url).content.decode()

    warning = "RETRACTED: PubMed lists a retraction notice for this paper."
    assert _csl(client, retracted_paper)["note"] == warning
    assert bibtexparser.parse_string(body("bibtex")).entries[0]["note"] == warning
    assert rispy.loads(body("ris"))[0]["notes"][0] == warning


def test_corrected_and_questioned_papers_carry_both_warnings(client, db):
    paper = make_paper(has_erratum=True, has_expression_of_concern=True)

    note = _csl(client, paper)["note"]

    assert "EXPRESSION OF CONCERN" in note
    assert "CORRECTED: PubMed lists an erratum" in note


def test_an_unflagged_paper_has_no_note(client, clean_paper):
    assert "note" not in _csl(client, clean_paper)
    bib = client.get(reverse("papers:export-paper", args=[clean_paper.pk, "bibtex"]))
    assert "note" not in bibtexparser.parse_string(bib.content.decode()).entries[0].fields_dict


def test_an_empty_therapy_export_is_a_clear_404_not_an_empty_file(client, db):
    therapy = factories.TherapyFactory(name="Untested therapy", slug="untested")

    response = client.get(reverse("papers:export-therapy", args=["untested", "bibtex"]))

    assert response.status_code == 404
    assert "Content-Disposition" not in response
    assert "No papers on Untested therapy, so there is nothing to download." in (
        response.content.decode()
    )
    assert therapy.get_absolute_url() in response.content.decode()


def test_an_empty_search_export_is_a_clear_404(client, clean_paper):
    url = reverse("papers:export-search", args=["ris"])

    response = client.get(url, {"q": "xylophone"})

    assert response.status_code == 404
    assert "No papers match this search" in response.content.decode()


def test_a_therapy_export_can_be_limited_to_a_year(client, clean_paper, retracted_paper):
    therapy = factories.TherapyFactory(slug="exported")
    factories.PivotalTrialFactory(therapy=therapy, paper=clean_paper)
    factories.PivotalTrialFactory(therapy=therapy, paper=retracted_paper)
    url = reverse("papers:export-therapy", args=["exported", "csl-json"])

    everything = json.loads(client.get(url).content)
    of_2015 = client.get(url, {"year": "2015"})

    assert len(everything) == 2
    assert [item["PMID"] for item in json.loads(of_2015.content)] == ["990100002"]
    assert 'filename="irtkb-exported-2015.json"' in of_2015["Content-Disposition"]


def test_therapy_pages_and_paper_lists_link_their_exports(client, clean_paper):
    therapy = factories.TherapyFactory(slug="linked")
    factories.PivotalTrialFactory(therapy=therapy, paper=clean_paper)

    detail = client.get(therapy.get_absolute_url()).content.decode()
    papers = client.get(reverse("papers:therapy-papers", args=["linked"]), {"year": "2012"})

    for fmt in ("bibtex", "ris", "csl-json"):
        assert reverse("papers:export-therapy", args=["linked", fmt]) in detail
        assert reverse("papers:export-therapy", args=["linked", fmt]) + "?year=2012" in (
            papers.content.decode()
        )


def test_a_paper_page_has_a_cite_control_with_every_format(client, clean_paper):
    html = client.get(clean_paper.get_absolute_url()).content.decode()

    assert '<details class="cite-control" id="cite">' in html
    assert "Jones A, Brinar VV. Lymphocyte recovery after a pulsed course: a test record." in html
    for fmt in ("bibtex", "ris", "csl-json"):
        assert reverse("papers:export-paper", args=[clean_paper.pk, fmt]) in html
    assert reverse("papers:cite-paper", args=[clean_paper.pk]) in html
