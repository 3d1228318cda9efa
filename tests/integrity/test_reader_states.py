"""Readers see states in words, never internals; one state badge; abstracts of the wrong
shape are refused on save and read defensively (issue 9.3 and 9.4)."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from papers.models import Paper
from tests.factories import PaperFactory, ReferenceFactory
from tests.integrity.admin_forms import post_paper_change

pytestmark = pytest.mark.django_db


def _page(client, paper: Paper) -> str:
    return client.get(f"/papers/{paper.pk}/", follow=True).content.decode()


def test_a_doi_stub_not_in_pubmed_shows_one_state_not_two(client):
    stub = PaperFactory(
        pmid=None, doi="10.5555/stub.1", title="", not_in_pubmed=True, fetch_state="pending"
    )

    html = _page(client, stub)

    assert html.count("Not in PubMed") == 1
    assert "Not yet fetched" not in html and "Being fetched" not in html
    assert "Not found in PubMed: what irtkb knows of this paper is shown." in html


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("pending", "Not yet fetched"),
        ("not_found", "Not found in PubMed"),
        ("failed", "Fetch failed, will retry"),
    ],
)
def test_each_state_is_told_in_words_and_the_error_text_never(client, state, words):
    paper = PaperFactory(
        fetch_state=state, fetch_error="efetch: gaierror: [Errno -2] Name or service not known"
    )

    html = _page(client, paper)

    assert words in html
    assert "gaierror" not in html and "Errno" not in html


def test_a_stub_shows_the_reference_it_was_cited_as_not_untitled(client):
    review = PaperFactory(title="The review")
    stub = PaperFactory(pmid=990_400_001, title="", abstract=[], fetch_state="pending")
    ReferenceFactory(
        review=review,
        position=7,
        citation="Crafttest A, Bee B. A printed citation of a paper. J Crafted Rec. 2001;3:1-9.",
        paper=stub,
    )

    html = _page(client, stub)

    assert "A printed citation of a paper." in html.split("</h1>", 1)[0]
    assert "Untitled" not in html


def test_an_abstract_of_the_wrong_shape_is_refused_in_the_admin(admin_client):
    paper = PaperFactory()

    response = post_paper_change(admin_client, paper, abstract=json.dumps({"text": "flat"}))

    assert response.status_code == 200
    assert "not a list: an abstract is a list of sections" in response.content.decode()
    paper.refresh_from_db()
    assert paper.abstract == PaperFactory.abstract.function()


@pytest.mark.parametrize(
    "stored",
    [{"text": "flat"}, "a bare string", ["a string section", 5], [{"text": 7}], None, 3],
)
def test_an_abstract_of_the_wrong_shape_written_anyway_breaks_no_page(client, stored):
    paper = PaperFactory(title="Oddly shaped abstract")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE papers_paper SET abstract = %s::jsonb WHERE id = %s",
            [json.dumps(stored), paper.pk],
        )

    urls = [
        f"/papers/{paper.pk}/",
        "/search/?q=oddly",
        f"/export/papers/{paper.pk}.ris",
        f"/export/papers/{paper.pk}.bibtex",
        f"/export/papers/{paper.pk}.csl-json",
        "/export/search.csl-json?q=oddly",
        "/api/v1/search/?q=oddly",
        f"/api/v1/papers/{paper.pk}/",
    ]
    for url in urls:
        assert client.get(url, follow=True).status_code == 200, url
