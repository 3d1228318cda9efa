"""Identifiers valid everywhere: admin form, commands and database refuse the same things in
words, and a bad row written around them fails alone, never stopping a job (issue 9.2)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from papers.db_errors import describe_write_error
from papers.models import Paper, RefreshJob
from tests.factories import PaperFactory
from tests.integrity.admin_forms import post_paper_change
from tests.integrity.bad_rows import write_around_the_rules

pytestmark = pytest.mark.django_db
KNOWN = 990000002  # in tests/fixtures/pubmed


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("pmid", "0", "0 is not a PMID: a PMID is a whole number from 1 up"),
        ("doi", "not a doi", "&#x27;not a doi&#x27; is not a DOI: a DOI looks like"),
        ("doi", "10.1000", "is not a DOI"),
        ("doi", "https://doi.org/10.55/short-registrant", "is not a DOI"),
    ],
)
def test_the_admin_form_refuses_a_bad_identifier_in_words(admin_client, field, typed, message):
    paper = PaperFactory(doi="10.5555/before")

    response = post_paper_change(admin_client, paper, **{field: typed})

    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "paper_pmid_valid" not in page and "paper_doi_valid" not in page
    paper.refresh_from_db()
    assert (paper.pmid, paper.doi) == (
        PaperFactory._meta.model.objects.get(pk=paper.pk).pmid,
        "10.5555/before",
    )


def test_the_admin_form_stores_a_pasted_doi_in_its_normal_form(admin_client):
    paper = PaperFactory(doi=None)

    response = post_paper_change(admin_client, paper, doi=" https://doi.org/10.5555/Pasted.1 ")

    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.doi == "10.5555/Pasted.1"


@pytest.mark.parametrize(
    ("sql", "constraint_words"),
    [
        ("UPDATE papers_paper SET pmid = 0 WHERE id = %s", "the stored PMID is not a PMID"),
        (
            "UPDATE papers_paper SET doi = 'doi:10.5555/x' WHERE id = %s",
            "the stored DOI is not a DOI",
        ),
        ("UPDATE papers_paper SET doi = 'not a doi' WHERE id = %s", "the stored DOI is not a DOI"),
    ],
)
def test_the_database_refuses_a_bad_identifier_and_says_why_in_words(sql, constraint_words):
    paper = PaperFactory()

    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, [paper.pk])

    assert describe_write_error(refused.value).startswith(constraint_words)
    assert "paper_" not in describe_write_error(refused.value)


def test_refresh_all_completes_the_rest_when_stored_rows_hold_bad_identifiers(app_replay):
    good = Paper.objects.create(pmid=KNOWN, fetch_state="pending")
    zero = PaperFactory(title="Typed by hand.")
    stub = Paper.objects.create(pmid=None, doi="10.5555/placeholder", fetch_state="pending")
    write_around_the_rules("UPDATE papers_paper SET pmid = 0 WHERE id = %s", [zero.pk])
    write_around_the_rules("UPDATE papers_paper SET doi = 'not a doi' WHERE id = %s", [stub.pk])

    call_command("refresh_pubmed", "--all")

    job = RefreshJob.objects.get()
    assert job.status == RefreshJob.Status.PARTIAL
    assert job.done == job.total == 3
    assert job.errors["0"] == "0 is not a PMID: a PMID is a whole number from 1 up (e.g. 31649335)"
    assert job.errors["not a doi"].startswith("'not a doi' is not a DOI")
    good.refresh_from_db()
    assert good.fetch_state == "fetched" and good.title == "A cited paper."
    # Only the good PMID went to PubMed; the bad DOI was never looked up.
    assert [(r.endpoint, r.ids) for r in app_replay.requests] == [("efetch", 1)]


def test_refresh_selected_in_the_admin_names_bad_rows_and_queues_the_rest(
    admin_client, django_capture_on_commit_callbacks
):
    good, zero = PaperFactory(), PaperFactory()
    stub = Paper.objects.create(pmid=None, doi="10.5555/doi-only", fetch_state="pending")
    write_around_the_rules("UPDATE papers_paper SET pmid = 0 WHERE id = %s", [zero.pk])

    with django_capture_on_commit_callbacks(execute=False):
        response = admin_client.post(
            reverse("admin:papers_paper_changelist"),
            {
                "action": "refresh_from_pubmed",
                "_selected_action": [good.pk, zero.pk, stub.pk],
            },
            follow=True,
        )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Not refreshed: paper {zero.pk}: 0 is not a PMID" in page
    job = RefreshJob.objects.get()
    assert job.pmids == [good.pmid] and job.dois == ["10.5555/doi-only"]
