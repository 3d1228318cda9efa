"""Each list reads a page in a fixed number of queries, whatever the number of records."""

from __future__ import annotations

import pytest

from papers.models import RefreshJob
from tests import factories
from tests.api.conftest import make_paper

ROWS = 30


@pytest.fixture
def many(corpus):
    """Thirty more of everything, so an N+1 query would show thirty times over."""
    therapy = corpus.alemtuzumab
    for _ in range(ROWS):
        paper = make_paper(authors=3)
        factories.PivotalTrialFactory(therapy=therapy, paper=paper)
        factories.ReconstitutionPointFactory(therapy=therapy, source=paper)
        factories.EvidenceNoteFactory(therapy=therapy, papers=[paper, corpus.cited[0]])
        factories.PaperChangeFactory(paper=paper)
        factories.TherapyFactory()
        RefreshJob.objects.create(kind="refresh", trigger="command")
    return corpus


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("therapies/", 4),
        ("evidence-items/", 3),
        ("papers/", 3),
        ("changes/", 2),
        ("search/?year_from=1990", 4),
    ],
)
def test_a_list_page_costs_a_fixed_number_of_queries(
    api, many, django_assert_max_num_queries, path, queries
):
    with django_assert_max_num_queries(queries):
        response = api(path + ("&" if "?" in path else "?") + "page_size=100")
    assert response.status_code == 200
    assert len(response.json()["results"]) >= ROWS


def test_the_refresh_job_list_costs_a_fixed_number_of_queries(
    client, api, many, django_assert_max_num_queries
):
    client.force_login(factories.UserFactory(username="admin", is_staff=True))

    # Session and user lookups come on top of the page's one query.
    with django_assert_max_num_queries(4):
        response = api("refresh-jobs/", page_size=100)
    assert len(response.json()["results"]) == ROWS


def test_a_paper_record_costs_a_fixed_number_of_queries(api, many, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert api(f"papers/{many.trial.pk}/").status_code == 200
