"""The search page: ranking, highlighted snippets, filters, pagination, author typos, bad input."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from papers.models import EvidenceNote
from papers.search import query as search_module
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    EvidenceNoteFactory,
    JournalFactory,
    PaperFactory,
    ReferenceFactory,
    TherapyFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("papers:search")


def result_titles(response) -> list[str]:
    """Return the plain titles of the results on a page, in order."""
    html = response.content.decode()
    titles = re.findall(r'<h3 class="result-title"><a [^>]*>(.*?)</a></h3>', html, re.S)
    return [re.sub(r"</?mark>", "", title).strip() for title in titles]


def abstract(text: str) -> list[dict]:
    return [{"label": "", "nlm_category": "", "text": text}]


def test_results_are_ranked_with_title_matches_first(client, reindex):
    PaperFactory(title="Oral agents", abstract=abstract("Ocrelizumab was compared."))
    PaperFactory(title="Ocrelizumab in primary progressive MS", abstract=abstract("Trial."))
    reindex()

    response = client.get(URL, {"q": "ocrelizumab"})

    assert response.status_code == 200
    assert result_titles(response) == ["Ocrelizumab in primary progressive MS", "Oral agents"]
    assert "2 papers" in response.content.decode()


def test_newest_first_sort_ignores_rank(client, reindex):
    PaperFactory(title="Ocrelizumab old", pub_year=2010, pub_date_sort="2010-01-01")
    PaperFactory(
        title="Other", abstract=abstract("ocrelizumab"), pub_year=2021, pub_date_sort="2021-01-01"
    )
    reindex()

    response = client.get(URL, {"q": "ocrelizumab", "sort": "newest"})

    assert result_titles(response) == ["Other", "Ocrelizumab old"]


def test_snippets_highlight_matches_and_escape_everything_else(client, reindex):
    PaperFactory(
        title="Rituximab &lt;b&gt;not bold&lt;/b&gt; <i>title</i>",
        abstract=abstract(
            "Before. <script>alert(1)</script> Rituximab depletes CD20&lt;sup&gt; cells "
            "&amp; spares plasma cells."
        ),
    )
    reindex()

    html = client.get(URL, {"q": "rituximab"}).content.decode()

    assert "<mark>Rituximab</mark> &lt;b&gt;not bold&lt;/b&gt; title" in html
    assert "<mark>Rituximab</mark> depletes CD20&lt;sup&gt; cells &amp; spares" in html
    assert "<script>alert(1)" not in html
    assert "<b>not bold" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"year_from": "2015"}, {"Recent trial", "Retracted trial"}),
        ({"year_to": "2014"}, {"Old trial", "Review trial"}),
        ({"year_from": "2012", "year_to": "2016"}, {"Review trial", "Retracted trial"}),
        ({"publication_type": "Review"}, {"Review trial"}),
        ({"journal": "lancet neurol"}, {"Recent trial"}),
        ({"journal": "The Lancet Neurology"}, {"Recent trial"}),
        ({"retracted": "only"}, {"Retracted trial"}),
        ({"retracted": "exclude"}, {"Old trial", "Review trial", "Recent trial"}),
        ({"has_notes": "on"}, {"Old trial"}),
        ({"cited_by_review": "on"}, {"Review trial"}),
    ],
)
def test_each_filter_narrows_the_results(client, reindex, params, expected):
    lancet = JournalFactory(title="The Lancet Neurology", iso_abbreviation="Lancet Neurol")
    old = PaperFactory(title="Old trial", pub_year=2005)
    review_cited = PaperFactory(
        title="Review trial", pub_year=2013, publication_types=["Journal Article", "Review"]
    )
    PaperFactory(title="Recent trial", pub_year=2020, journal=lancet)
    PaperFactory(title="Retracted trial", pub_year=2016, is_retracted=True)
    EvidenceNoteFactory(papers=[old])
    EvidenceNoteFactory(papers=[review_cited], status=EvidenceNote.Status.DRAFT)
    ReferenceFactory(review=PaperFactory(title="The review", pub_year=2019), paper=review_cited)
    reindex()

    response = client.get(URL, {"q": "trial", **params})

    assert response.status_code == 200
    assert set(result_titles(response)) == expected


def test_therapy_filter_keeps_papers_tied_to_that_therapy(client, reindex):
    alemtuzumab = TherapyFactory(name="Alemtuzumab", slug="alemtuzumab")
    other = TherapyFactory(name="Other", slug="other")
    cited = PaperFactory(title="Lymphocyte study one")
    PaperFactory(title="Lymphocyte study two")
    cited_by_other = PaperFactory(title="Lymphocyte study three")
    EvidenceNoteFactory(therapy=alemtuzumab, papers=[cited])
    EvidenceNoteFactory(therapy=other, papers=[cited_by_other])
    reindex()

    response = client.get(URL, {"q": "lymphocyte", "therapy": "alemtuzumab"})

    assert result_titles(response) == ["Lymphocyte study one"]


def test_filters_alone_list_papers_newest_first(client, reindex):
    PaperFactory(title="Older", pub_year=2016, pub_date_sort="2016-01-01", is_retracted=True)
    PaperFactory(title="Newer", pub_year=2018, pub_date_sort="2018-01-01", is_retracted=True)
    PaperFactory(title="Kept out")
    reindex()

    response = client.get(URL, {"retracted": "only"})

    assert result_titles(response) == ["Newer", "Older"]


def test_results_are_paginated_and_bad_page_numbers_fall_back(client, reindex):
    for number in range(45):
        PaperFactory(title=f"Cladribine cohort {number}")
    reindex()

    first = client.get(URL, {"q": "cladribine"})
    third = client.get(URL, {"q": "cladribine", "page": "3"})
    junk = client.get(URL, {"q": "cladribine", "page": "abc"})
    past_end = client.get(URL, {"q": "cladribine", "page": "999"})

    assert len(result_titles(first)) == 20
    assert "45 papers" in first.content.decode()
    assert 'page=2" rel="next"' in first.content.decode()
    assert len(result_titles(third)) == 5
    assert result_titles(junk) == result_titles(first)
    assert result_titles(past_end) == result_titles(third)
    assert not set(result_titles(first)) & set(result_titles(third))


@pytest.fixture
def lunemann_paper(reindex):
    paper = PaperFactory(title="Immune reconstitution therapies")
    AuthorshipFactory(paper=paper, author=AuthorFactory(last_name="Lünemann", fore_name="Jan D"))
    PaperFactory(title="A paper by someone else")
    reindex()
    return paper


@pytest.mark.parametrize("typed", ["Lünemann", "Lunemann", "LUNEMANN", "lünemann immune"])
def test_author_names_match_regardless_of_accents_and_case(client, lunemann_paper, typed):
    assert result_titles(client.get(URL, {"q": typed})) == ["Immune reconstitution therapies"]


@pytest.mark.parametrize("typed", ["Lünnemann", "Lunneman", "Luenemann", "Lünnemann immune"])
def test_author_typos_are_forgiven_with_pg_trgm(client, lunemann_paper, typed):
    if not search_module.trigram_available():
        pytest.skip("this PostgreSQL has no pg_trgm; the fallback is tested below")
    assert result_titles(client.get(URL, {"q": typed})) == ["Immune reconstitution therapies"]


def test_without_pg_trgm_author_search_falls_back_to_prefixes(client, lunemann_paper, monkeypatch):
    monkeypatch.setattr(search_module, "trigram_available", lambda: False)

    assert result_titles(client.get(URL, {"q": "Lünem"})) == ["Immune reconstitution therapies"]
    assert result_titles(client.get(URL, {"q": "Lunemann"})) == ["Immune reconstitution therapies"]
    # Typos are not forgiven without trigrams: the page says so by finding nothing, not failing.
    response = client.get(URL, {"q": "Lünnemann"})
    assert response.status_code == 200
    assert result_titles(response) == []


def test_a_typo_tolerant_name_does_not_drop_the_other_words(client, lunemann_paper):
    if not search_module.trigram_available():
        pytest.skip("this PostgreSQL has no pg_trgm")
    response = client.get(URL, {"q": "Lünnemann cladribine"})

    assert result_titles(response) == []


HOSTILE_QUERIES = [
    '"',
    "'",
    '"unclosed phrase',
    "a & b | !c",
    "(((",
    "))) <-> :*",
    "-",
    "- - -",
    "or or or",
    "and",
    "the",
    "\\",
    "%_%",
    "'; DROP TABLE papers_paper; --",
    "<script>alert(1)</script>",
    "null\x00byte",
    "\x00",
    "bell\x07 and \x1b[31m escape",
    "😀🧬 emoji",
    "עברית العربية",
    "Zalgo: Z̸̡̛a̷l̶g̵o̴",
    "zero\u200bwidth\u200djoiner",
    "\ufeffbom",
    "x" * 300,
    "immune " * 42,
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_error(client, reindex, query):
    PaperFactory(title="Immune reconstitution")
    reindex()

    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.content


def test_a_query_that_is_too_long_gets_a_clear_message(client):
    response = client.get(URL, {"q": "immune " * 60})

    assert response.status_code == 400
    assert "Search terms are limited to 300 characters" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year_from": "abc"}, "Enter a whole number."),
        ({"year_from": "1e400"}, "Enter a whole number."),
        ({"year_to": "99999999999999999999999"}, "“To year” must be a year from 1800 to"),
        ({"year_from": "1066"}, "“From year” must be a year from 1800 to"),
        ({"year_from": "2020", "year_to": "2010"}, "“To year” must not be before “From year”."),
        ({"therapy": "no-such-therapy"}, "There is no therapy with that name."),
        ({"therapy": "bad\x00slug"}, "There is no therapy with that name."),
        ({"publication_type": "Bogus Type"}, "is not a publication type we filter on."),
        ({"retracted": "maybe"}, "Select a valid choice."),
        ({"sort": "random()"}, "Select a valid choice."),
        ({"journal": "J" * 400}, "at most 300 characters"),
    ],
)
def test_bad_filter_values_get_clear_messages(client, params, message):
    response = client.get(URL, {"q": "immune", **params})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_search_page_runs_a_fixed_number_of_queries(
    client, reindex, django_assert_max_num_queries
):
    therapy = TherapyFactory(slug="hsct")
    for number in range(30):
        paper = PaperFactory(title=f"Stem cell transplantation cohort {number}")
        AuthorshipFactory.create_batch(4, paper=paper)
        EvidenceNoteFactory(therapy=therapy, papers=[paper])
    reindex()
    search_module.trigram_available()  # asked once per process, not per page

    # Therapy lookup (validation), author names, count, page, authorships, highlights and the
    # therapy menu: seven, however many papers, authors or notes there are.
    with django_assert_max_num_queries(7):
        response = client.get(URL, {"q": "stem cell", "therapy": "hsct", "has_notes": "on"})

    assert len(result_titles(response)) == 20


def test_past_the_rank_limit_only_the_most_recent_matches_are_ranked(client, reindex, monkeypatch):
    monkeypatch.setattr(search_module, "RANK_ALL_LIMIT", 3)
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    monkeypatch.setattr("papers.views.search.RANK_WINDOW", 2)
    PaperFactory(title="Ocrelizumab ocrelizumab best", pub_date_sort="2001-01-01")
    PaperFactory(title="Other", abstract=abstract("ocrelizumab"), pub_date_sort="2024-01-01")
    PaperFactory(title="Ocrelizumab newer", pub_date_sort="2023-01-01")
    PaperFactory(title="Ocrelizumab older", pub_date_sort="2002-01-01")
    reindex()

    response = client.get(URL, {"q": "ocrelizumab"})
    html = response.content.decode()

    assert result_titles(response) == ["Ocrelizumab newer", "Other"]
    assert "4 papers" in html
    assert "the 2 most recent of them are shown, ranked by relevance" in html
    newest = client.get(URL, {"q": "ocrelizumab", "sort": "newest"})
    assert len(result_titles(newest)) == 4


def test_counting_stops_at_the_cap(client, reindex, monkeypatch):
    monkeypatch.setattr(search_module, "COUNT_CAP", 3)
    monkeypatch.setattr("papers.views.search.COUNT_CAP", 3)
    for number in range(5):
        PaperFactory(title=f"Rituximab cohort {number}")
    reindex()

    html = client.get(URL, {"q": "rituximab", "sort": "newest"}).content.decode()

    assert "More than 3 papers" in html
