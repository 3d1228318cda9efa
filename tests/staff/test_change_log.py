"""The change-log browser: filters by job, paper, field and kind; notices stand out and link the
evidence items citing the paper."""

from __future__ import annotations

import pytest
from django.urls import reverse

from papers.models import RefreshJob
from tests.factories import EvidenceNoteFactory, PaperChangeFactory, PaperFactory
from tests.staff.conftest import client_for

pytestmark = pytest.mark.django_db
CHANGES = reverse("staff:change-log")


@pytest.fixture
def log(db):
    job = RefreshJob.objects.create(kind="refresh", trigger="schedule", status="succeeded")
    other = RefreshJob.objects.create(kind="refresh", trigger="staff", status="succeeded")
    retracted = PaperFactory(pmid=990000101, doi="10.5555/Retracted.1")
    corrected = PaperFactory(pmid=990000102)
    plain = PaperFactory(pmid=990000103)
    note = EvidenceNoteFactory(papers=[retracted], statement="Rests on the retracted paper.")
    PaperChangeFactory(
        paper=retracted, job=job, field="is_retracted", old_value=False, new_value=True
    )
    PaperChangeFactory(
        paper=corrected, job=job, field="has_erratum", old_value=False, new_value=True
    )
    PaperChangeFactory(
        paper=plain, job=job, field="title", old_value="Old", new_value="Newer title"
    )
    PaperChangeFactory(paper=plain, job=other, field="pages", old_value="1-2", new_value="1-20")
    return {"job": job, "other": other, "note": note, "retracted": retracted}


def _rows(client, **params) -> str:
    response = client.get(CHANGES, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def test_each_filter_narrows_the_log(people, log):
    client = client_for(people.sam)

    by_job = _rows(client, job=log["other"].pk)
    assert "1-20" in by_job and "Newer title" not in by_job
    by_paper = _rows(client, paper="doi:10.5555/retracted.1")  # DOIs compare without case
    assert "PMID 990000101" in by_paper and "PMID 990000103" not in by_paper
    assert "PMID 990000103" in _rows(client, paper="https://pubmed.ncbi.nlm.nih.gov/990000103/")
    by_field = _rows(client, field="title")
    assert "Newer title" in by_field and "1-20" not in by_field
    retractions = _rows(client, kind="retraction")
    assert "PMID 990000101" in retractions and "PMID 990000102" not in retractions
    metadata = _rows(client, kind="metadata")
    assert "Newer title" in metadata and "1-20" in metadata and "PMID 990000101" not in metadata


def test_retractions_and_errata_stand_out_and_link_the_evidence_citing_them(people, log):
    body = _rows(client_for(people.sam))

    assert body.count('class="notice notice-') == 2
    assert '<strong class="notice-label">Retraction</strong>' in body
    assert '<strong class="notice-label">Erratum</strong>' in body
    assert f'href="{log["note"].get_absolute_url()}">item #{log["note"].pk}</a>' in body
    assert "no evidence item cites it" in body  # the erratum's paper


def test_a_job_page_links_the_change_log_entries_it_made(people, log):
    page = client_for(people.sam).get(log["job"].get_absolute_url()).content.decode()
    assert f'href="{CHANGES}?job={log["job"].pk}">3 change-log entries made by this job' in page


def test_a_bad_filter_is_refused_in_words(people, log):
    response = client_for(people.sam).get(CHANGES, {"paper": "not a doi", "job": "x"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "neither a PMID" in body and "Enter a whole number." in body
    assert "PMID 990000101" not in body


def test_the_change_log_costs_a_fixed_number_of_queries(people, log, django_assert_max_num_queries):
    for _ in range(40):
        paper = PaperFactory()
        EvidenceNoteFactory(papers=[paper])
        PaperChangeFactory(paper=paper, field="is_retracted", old_value=False, new_value=True)
    client = client_for(people.sam)
    with django_assert_max_num_queries(10):
        body = _rows(client)
    assert body.count('class="notice notice-retraction"') == 41
