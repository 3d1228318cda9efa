"""The staff import page: pasted lists and files, bad lines reported, one job, broker down."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from papers.models import RefreshJob
from tests.staff.conftest import client_for

pytestmark = pytest.mark.django_db
IMPORT = reverse("staff:import")

# Ten lines, two bad: line 4 (PMID 0) and line 9 (not a DOI).
TEN_LINES = "\n".join(
    [
        "990000001",
        "PMID: 990000002",
        "https://pubmed.ncbi.nlm.nih.gov/990000003/",
        "0",
        "990000004",
        "doi:10.5555/season.0004",
        "https://doi.org/10.5555/REF.0003",
        "990000005",
        "10.1000 not a doi",
        "990000009",
    ]
)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_two_bad_lines_of_ten_are_reported_and_the_other_eight_queued_as_one_job(
    people, quiet_queue, django_capture_on_commit_callbacks
):
    client = client_for(people.sam)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = client.post(IMPORT, {"identifiers": TEN_LINES}, follow=True)

    job = RefreshJob.objects.get()
    assert len(sent) == 1 and job.celery_task_id  # really sent to the broker
    assert response.redirect_chain[-1][0] == job.get_absolute_url()
    assert job.pmids == [990000001, 990000002, 990000003, 990000004, 990000005, 990000009]
    assert job.dois == ["10.5555/season.0004", "10.5555/REF.0003"]
    assert (job.kind, job.trigger, job.requested_by) == ("import", "staff", people.sam)
    shown = _messages(response)
    assert f"Queued job #{job.pk} for 8 identifiers." in shown
    assert "2 lines not queued (nothing else was affected):" in shown
    bad = [m for m in shown if m.startswith("line ")]
    assert len(bad) == 2
    assert bad[0].startswith("line 4 ('0'): 0 is not a PMID")
    assert bad[1].startswith("line 9 ('10.1000 not a doi'): 10.1000 not a doi is not a well-formed")


def test_a_csv_file_is_read_by_its_first_column_with_line_numbers_of_the_file(
    people, quiet_queue, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile(
        "refs.csv", b"pmid,note\n990000001,kept\n990000001,again\nPMID 12x,typo\n", "text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people.sam).post(IMPORT, {"file": upload}, follow=True)

    job = RefreshJob.objects.get()
    assert job.pmids == [990000001]
    shown = _messages(response)
    assert f"Queued job #{job.pk} for 1 identifier (1 repeated, queued once)." in shown
    assert any(m.startswith("line 4 of refs.csv ('PMID 12x'): PMID 12x is neither") for m in shown)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"identifiers": "  \n\n"}, "Paste some identifiers or choose a file."),
        ({}, "Paste some identifiers or choose a file."),
        ({"identifiers": "hello\n0\n"}, "None of the lines holds a PMID or DOI"),
        (
            {"file": SimpleUploadedFile("refs.txt", "99\xe9\n".encode("latin-1"))},
            "refs.txt is not UTF-8 text",
        ),
    ],
)
def test_a_list_with_nothing_to_queue_is_refused_with_a_reason_and_queues_nothing(
    people, data, error
):
    response = client_for(people.sam).post(IMPORT, data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not RefreshJob.objects.exists()


@pytest.mark.django_db(transaction=True)  # so the job is sent as its transaction commits
def test_broker_down_says_nothing_was_queued_keeps_the_list_and_leaves_no_job(people, broker_down):
    response = client_for(people.sam).post(IMPORT, {"identifiers": TEN_LINES})

    assert response.status_code == 503
    body = response.content.decode()
    assert "The task queue is unreachable; nothing was queued." in body
    assert "https://pubmed.ncbi.nlm.nih.gov/990000003/" in body  # the list is kept for a retry
    assert not RefreshJob.objects.exists()
