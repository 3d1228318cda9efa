"""Search essentials: identifiers go straight to their paper, no results say so, years checked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from papers.search import query as search_query
from tests.integrity.bad_rows import with_legacy_doi
from tests.reader.conftest import make_paper

pytestmark = pytest.mark.django_db
URL = reverse("papers:search")


@pytest.mark.parametrize(
    "typed",
    [
        "990100001",
        "PMID:990100001",
        "pmid: 990100001",
        "PMID 990100001",
        "10.5555/irtkb.test.1",
        "10.5555/IRTKB.TEST.1",
        "doi:10.5555/irtkb.test.1",
        "doi.org/10.5555/irtkb.test.1",
        "https://doi.org/10.5555/irtkb.test.1",
        "http://dx.doi.org/10.5555/irtkb.test.1",
        "PMC990100001",
        "pmcid: pmc990100001",
    ],
)
def test_an_identifier_in_the_box_goes_straight_to_the_paper(client, clean_paper, typed):
    response = client.get(URL, {"q": typed})

    assert response.status_code == 302
    assert response["Location"] == clean_paper.get_absolute_url()


def test_a_doi_stored_with_a_doi_org_prefix_is_found_too(client, db):
    # A row stored before the identifier rules (migration 0010 keeps it).
    paper = with_legacy_doi(make_paper(doi=None), "https://doi.org/10.5555/Prefixed.Test")

    response = client.get(URL, {"q": "10.5555/prefixed.test"})

    assert response["Location"] == paper.get_absolute_url()


@pytest.mark.parametrize(
    ("typed", "label", "lookup"),
    [
        ("PMID: 990199999", "PMID 990199999", "https://pubmed.ncbi.nlm.nih.gov/990199999/"),
        (
            "https://doi.org/10.5555/unknown.1",
            "DOI 10.5555/unknown.1",
            "https://doi.org/10.5555/unknown.1",
        ),
        ("PMC990199999", "PMC990199999", "https://pmc.ncbi.nlm.nih.gov/articles/PMC990199999/"),
    ],
)
def test_an_unknown_identifier_offers_to_look_it_up(client, clean_paper, typed, label, lookup):
    response = client.get(URL, {"q": typed})

    html = response.content.decode()
    assert response.status_code == 200
    assert f"irtkb does not hold {label} yet." in html
    assert f'href="{lookup}"' in html
    # Readers get the message only; the import command is for staff.
    assert "import_pubmed" not in html


def test_staff_are_told_how_to_import_an_unknown_pmid(client, clean_paper):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="staffer", is_staff=True))

    html = client.get(URL, {"q": "PMID:990199999"}).content.decode()

    assert "manage.py import_pubmed --pmid 990199999" in html


def test_a_search_with_no_matches_says_so_with_suggestions(client, clean_paper):
    response = client.get(URL, {"q": "xylophone quasar", "year_from": "2000"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "0 papers" in html
    assert "No papers match “xylophone quasar” with the filters From year." in html
    assert "use fewer words" in html
    assert "search again without the filters" in html


def test_the_help_text_promises_typo_tolerance_only_with_pg_trgm(client, db, monkeypatch):
    monkeypatch.setattr(search_query, "trigram_available", lambda: False)
    assert "small typos" not in client.get(URL).content.decode()

    monkeypatch.setattr(search_query, "trigram_available", lambda: True)
    assert "Author names forgive accents and small typos" in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year_from": "1799"}, "“From year” must be a year from 1800 to"),
        ({"year_to": "3000"}, "“To year” must be a year from 1800 to"),
        ({"year_from": "2020", "year_to": "2019"}, "“To year” must not be before “From year”."),
    ],
)
def test_year_filters_are_checked_on_both_sides(client, db, params, message):
    response = client.get(URL, {"q": "immune", **params})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_same_year_on_both_sides_is_fine(client, clean_paper):
    response = client.get(URL, {"year_from": "2012", "year_to": "2012"})

    assert response.status_code == 200
    assert "1 paper" in response.content.decode()
