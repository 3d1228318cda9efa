"""The admin lists every model, and admins can queue a PubMed refresh from the paper list."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from papers.models import RefreshJob
from tests.factories import EvidenceNoteFactory, PaperFactory, TherapyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_every_papers_model_has_a_working_admin_list(superuser_client):
    PaperFactory()
    EvidenceNoteFactory(therapy=TherapyFactory())
    from django.apps import apps

    papers_models = [
        m
        for m in apps.get_app_config("papers").get_models()
        if not m.__name__.startswith("Historical")
    ]
    assert set(papers_models) <= set(admin.site._registry)
    for model in papers_models:
        url = reverse(f"admin:papers_{model._meta.model_name}_changelist")
        assert superuser_client.get(url).status_code == 200, url


def test_refresh_selected_queues_one_job_and_links_to_it(
    superuser_client, django_capture_on_commit_callbacks
):
    papers = [PaperFactory(), PaperFactory(), PaperFactory(pmid=None, doi="10.5555/x")]

    # Not executed: sending to a real queue and worker is covered in tests/worker.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = superuser_client.post(
            reverse("admin:papers_paper_changelist"),
            {"action": "refresh_from_pubmed", "_selected_action": [p.pk for p in papers]},
            follow=True,
        )

    assert len(queued) == 1
    job = RefreshJob.objects.get()
    assert sorted(job.pmids) == sorted(p.pmid for p in papers[:2])
    assert job.trigger == "admin" and job.requested_by.username == "root"
    assert reverse("admin:papers_refreshjob_change", args=[job.pk]) in response.content.decode()
    assert f"refresh job #{job.pk}" in response.content.decode()


def test_readers_cannot_reach_the_admin(client):
    client.force_login(UserFactory(username="reader"))
    response = client.get(reverse("admin:papers_paper_changelist"))
    assert response.status_code == 302


def _note_form_data(note, **changes):
    data = {
        "therapy": note.therapy_id,
        "papers": [p.pk for p in note.papers.all()],
        "statement": note.statement,
        "note_type": note.note_type,
        "status": note.status,
        "review_reason": note.review_reason,
        "expected_version": note.version,
    }
    return {**data, **changes}


def test_two_curators_saving_the_same_note_cannot_overwrite_each_other(superuser_client):
    from django.test import Client

    paper = PaperFactory()
    note = EvidenceNoteFactory(papers=[paper], statement="Original statement.")
    url = reverse("admin:papers_evidencenote_change", args=[note.pk])
    second = Client()
    second.force_login(UserFactory(username="second", is_staff=True, is_superuser=True))
    first_form = _note_form_data(note, statement="First curator's wording.")
    second_form = _note_form_data(note, statement="Second curator's wording.")  # opened at v1 too

    assert superuser_client.post(url, first_form).status_code == 302
    response = second.post(url, second_form)

    assert response.status_code == 200  # the form comes back instead of saving
    assert (
        "Someone saved this note (now version 2) after you opened it" in response.content.decode()
    )
    assert "Second curator&#x27;s wording." in response.content.decode()  # their text is kept
    note.refresh_from_db()
    assert (note.statement, note.version) == ("First curator's wording.", 2)
    assert [h.statement for h in note.history.all()][:2] == [
        "First curator's wording.",
        "Original statement.",
    ]
    assert note.history.first().history_user.username == "root"


def test_a_curator_saving_the_current_version_moves_it_on(superuser_client):
    note = EvidenceNoteFactory(papers=[PaperFactory()])
    url = reverse("admin:papers_evidencenote_change", args=[note.pk])
    superuser_client.post(url, _note_form_data(note, statement="Revised once."))
    note.refresh_from_db()
    superuser_client.post(url, _note_form_data(note, statement="Revised twice."))
    note.refresh_from_db()
    assert (note.statement, note.version) == ("Revised twice.", 3)


def test_papers_link_to_their_public_page(superuser_client):
    paper = PaperFactory(title="Clonal renewal after alemtuzumab")
    assert superuser_client.get(paper.get_absolute_url()).status_code == 200
    change = superuser_client.get(reverse("admin:papers_paper_change", args=[paper.pk]))
    assert "View on site" in change.content.decode()


def test_editing_a_note_reindexes_the_papers_it_cites_and_cited(superuser_client):
    from django.contrib.postgres.search import SearchQuery

    from papers.models import Paper
    from papers.search.index import update_search_vectors

    kept, dropped = PaperFactory(), PaperFactory()
    note = EvidenceNoteFactory(papers=[kept, dropped], statement="Zebrafishlike remission.")
    update_search_vectors(paper_ids=[kept.pk, dropped.pk])
    url = reverse("admin:papers_evidencenote_change", args=[note.pk])

    superuser_client.post(
        url, _note_form_data(note, statement="Quokkalike renewal.", papers=[kept.pk])
    )

    def hits(word):
        query = SearchQuery(word, config="english")
        return set(Paper.objects.filter(search_vector=query).values_list("pk", flat=True))

    assert hits("quokkalike") == {kept.pk}
    assert hits("zebrafishlike") == set()


def test_the_job_list_shows_each_jobs_duration(superuser_client):
    import datetime as dt

    from django.utils import timezone

    start = timezone.now()
    RefreshJob.objects.create(
        kind="refresh",
        trigger="command",
        started_at=start,
        finished_at=start + dt.timedelta(seconds=12.5),
    )
    page = superuser_client.get(reverse("admin:papers_refreshjob_changelist")).content.decode()
    assert "12.5 s" in page
