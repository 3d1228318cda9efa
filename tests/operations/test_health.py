"""/healthz and the admin's status page: what they report, their status codes, no caching."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from irtkb import heartbeat
from irtkb.redis_clients import redis_client
from papers.models import RefreshJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_workers(settings):
    """No heartbeat in this test's Redis (a worker stopped by another test may leave one)."""
    client = redis_client(settings.REDIS_URL)
    for key in client.scan_iter(match=heartbeat.HEARTBEAT_PREFIX + "*"):
        client.delete(key)


def test_without_a_worker_healthz_is_503_and_says_which_check_failed(client, no_workers):
    response = client.get("/healthz")

    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "unhealthy"
    assert report["checks"]["database"]["ok"] is True
    assert report["checks"]["redis"]["ok"] is True
    assert report["checks"]["worker"] == {
        "ok": False,
        "error": "no worker heartbeat in the last 30 s",
        "workers": {},
    }
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]


def test_with_a_live_heartbeat_it_is_200_with_queue_and_last_refresh(client, settings, no_workers):
    heartbeat.beat_once(settings.REDIS_URL, "w1@host")
    job = RefreshJob.objects.create(
        kind=RefreshJob.Kind.REFRESH,
        trigger=RefreshJob.Trigger.COMMAND,
        status=RefreshJob.Status.SUCCEEDED,
        finished_at=timezone.now(),
    )

    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    assert job.finished_at is not None
    checks = response.json()["checks"]
    assert list(checks["worker"]["workers"]) == ["w1@host"]
    assert checks["queue"]["name"] == settings.REFRESH_QUEUE
    assert checks["queue"]["waiting"] >= 0
    assert checks["last_refresh"]["job"] == job.pk
    assert checks["last_refresh"]["finished_at"] == job.finished_at.isoformat()


def test_the_ncbi_api_key_is_reported_as_set_never_shown(client, settings, no_workers):
    settings.NCBI_API_KEY = "k3y-that-must-not-leak"

    response = client.get("/healthz")

    assert response.json()["checks"]["ncbi_api_key"] == {"ok": True, "set": True}
    assert b"k3y-that-must-not-leak" not in response.content


def test_the_status_page_is_for_staff_only(client, django_user_model, no_workers):
    assert client.get("/admin/status/").status_code == 302  # to the admin login
    reader = django_user_model.objects.create_user("reader", password="x-Long-pass-1")
    client.force_login(reader)
    assert client.get("/admin/status/").status_code == 302

    staff = django_user_model.objects.create_user("ops", password="x-Long-pass-1", is_staff=True)
    client.force_login(staff)
    page = client.get("/admin/status/")
    assert page.status_code == 503  # no worker: the page says so, as /healthz does
    text = page.content.decode()
    assert "Not healthy" in text and "no worker heartbeat" in text
    assert "NCBI API key" in text


def test_healthz_is_json_even_when_redis_is_down(client, settings, second_redis):
    settings.REDIS_URL = second_redis.url
    second_redis.stop()

    response = client.get("/healthz")

    assert response.status_code == 503
    checks = json.loads(response.content)["checks"]
    assert checks["redis"]["ok"] is False
    assert checks["worker"] == {"ok": False, "error": "Redis is unreachable"}
    assert checks["database"]["ok"] is True
