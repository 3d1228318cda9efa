"""Only staff with the job permissions reach the staff pages; changes are CSRF-checked POSTs."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from papers.models import RefreshJob
from tests.staff.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(db) -> RefreshJob:
    return RefreshJob.objects.create(kind="import", trigger="staff", identifiers={"pmids": [1]})


def _pages(job):
    return [
        ("get", reverse("staff:job-list")),
        ("get", reverse("staff:import")),
        ("get", reverse("staff:job-detail", args=[job.pk])),
        ("get", reverse("staff:job-progress", args=[job.pk])),
        ("get", reverse("staff:change-log")),
        ("post", reverse("staff:import")),
        ("post", reverse("staff:job-retry", args=[job.pk])),
        ("post", reverse("staff:job-cancel", args=[job.pk])),
    ]


@pytest.mark.parametrize("who", ["rita", "carl", "edna", "stu"])
def test_readers_curators_editors_and_staff_without_the_permission_are_refused(people, job, who):
    client = client_for(getattr(people, who))
    for method, url in _pages(job):
        assert getattr(client, method)(url).status_code == 403, (who, method, url)
    job.refresh_from_db()
    assert job.status == "queued" and job.cancel_requested_at is None
    assert RefreshJob.objects.count() == 1


def test_anonymous_visitors_are_sent_to_the_login_page(job):
    for method, url in _pages(job):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("who", ["sam", "root"])
def test_staff_with_the_job_permissions_and_superusers_open_every_page(people, job, who):
    client = client_for(getattr(people, who))
    for _, url in _pages(job)[:5]:
        assert client.get(url).status_code == 200, url


def test_staff_may_watch_jobs_with_the_view_permission_alone_but_not_start_them(people, job):
    people.stu.user_permissions.add(Permission.objects.get(codename="view_refreshjob"))
    client = client_for(people.stu)

    assert client.get(reverse("staff:job-detail", args=[job.pk])).status_code == 200
    assert client.get(reverse("staff:import")).status_code == 403
    assert client.post(reverse("staff:job-cancel", args=[job.pk])).status_code == 403


def test_a_cancel_without_the_csrf_token_is_refused(people, job):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.sam)

    response = client.post(reverse("staff:job-cancel", args=[job.pk]))

    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == "queued"
