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
    assert f'href="{job.get_absolute_url()}"' in response.content.decode()  # the live job page
    assert f"refresh job #{job.pk}" in response.content.decode()


def test_readers_cannot_reach_the_admin(client):
    client.force_login(UserFactory(username="reader"))
    response = client.get(reverse("admin:papers_paper_changelist"))
    assert response.status_code == 302


def test_the_admin_shows_evidence_items_but_cannot_change_or_publish_them(superuser_client):
    note = EvidenceNoteFactory(papers=[PaperFactory()], status="submitted")
    url = reverse("admin:papers_evidencenote_change", args=[note.pk])

    page = superuser_client.get(url)
    superuser_client.post(url, {"status": "published", "statement": "Changed in the admin."})

    assert page.status_code == 200 and "Save" not in page.content.decode()
    note.refresh_from_db()
    assert (note.status, note.statement) == ("submitted", EvidenceNoteFactory.statement)
    add = superuser_client.get(reverse("admin:papers_evidencenote_add"))
    assert add.status_code == 403


def test_papers_link_to_their_public_page(superuser_client):
    paper = PaperFactory(title="Clonal renewal after alemtuzumab")
    assert superuser_client.get(paper.get_absolute_url()).status_code == 200
    change = superuser_client.get(reverse("admin:papers_paper_change", args=[paper.pk]))
    assert "View on site" in change.content.decode()


def test_deleting_a_draft_in_the_admin_takes_its_text_out_of_search(superuser_client):
    from django.contrib.postgres.search import SearchQuery

    from papers.models import Paper
    from papers.search.index import update_search_vectors

    cited = PaperFactory()
    note = EvidenceNoteFactory(papers=[cited], statement="Zebrafishlike remission.")
    update_search_vectors(paper_ids=[cited.pk])
    note.status = "draft"
    note.save()
    url = reverse("admin:papers_evidencenote_delete", args=[note.pk])

    superuser_client.post(url, {"post": "yes"})

    query = SearchQuery("zebrafishlike", config="english")
    assert not Paper.objects.filter(search_vector=query).exists()


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


def test_the_admin_shows_a_job_read_only_and_links_its_page_in_the_site(superuser_client):
    job = RefreshJob.objects.create(
        kind="import", trigger="staff", identifiers={"pmids": [1]}, errors={"1": "boom"}
    )
    url = reverse("admin:papers_refreshjob_change", args=[job.pk])

    page = superuser_client.get(url).content.decode()
    superuser_client.post(url, {"status": "succeeded", "errors": "{}"})

    assert "Save" not in page and "<textarea" not in page
    assert f'href="{job.get_absolute_url()}"' in page
    job.refresh_from_db()
    assert (job.status, job.errors) == ("queued", {"1": "boom"})


def test_the_admin_index_links_the_status_page_and_the_staff_pages(superuser_client):
    page = superuser_client.get("/admin/").content.decode()

    assert 'href="/admin/status/"' in page
    assert 'href="/staff/jobs/"' in page and 'href="/staff/changes/"' in page
    assert "Site administration" in page  # still Django's own index underneath
