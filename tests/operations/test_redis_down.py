"""Redis stopped mid-use: pages still render (uncached), queuing says nothing was queued."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from papers import content_version
from papers.models import RefreshJob
from papers.tasks import BROKER_DOWN
from tests.web.conftest import build_knowledge_base
from tests.worker.conftest import BASE_DIR, database_url_for_test_db


@pytest.fixture
def pages_on_second_redis(settings, second_redis):
    """The content version (what the page cache checks) and the default cache in it."""
    settings.REDIS_URL = second_redis.url
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": second_redis.url},
    }
    content_version.new_content_version()  # a version in this Redis, as a running site has
    return second_redis


@pytest.mark.django_db
def test_public_pages_render_uncached_once_redis_stops(client, pages_on_second_redis):
    kb = build_knowledge_base(papers=6, therapies=1)
    paths = ["/", f"/therapies/{kb.therapies[0].slug}/", kb.cited[0].get_absolute_url()]
    for path in paths:
        seen = [client.get(path).get("X-Page-Cache") for _ in range(2)]
        assert seen == ["miss", "hit"], path

    pages_on_second_redis.stop()
    time.sleep(content_version.VERSION_CHECK_SECONDS + 0.05)

    for path in [*paths, "/search/?q=trial"]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert "X-Page-Cache" not in response, path  # rendered now, not served from the cache


@pytest.mark.django_db(transaction=True)
def test_queuing_with_redis_stopped_says_nothing_was_queued(second_redis):
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_test_db(),
        "REDIS_URL": second_redis.url,
        "DEBUG": "1",
    }
    second_redis.stop()

    result = subprocess.run(
        [sys.executable, "manage.py", "import_pubmed", "--pmid", "990000001", "--queue"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "the task queue is unreachable; nothing was queued" in result.stderr
    assert "Traceback" not in result.stderr
    job = RefreshJob.objects.get()
    assert job.status == RefreshJob.Status.FAILED
    assert job.errors["_queue"].startswith(BROKER_DOWN)
    assert (job.done, job.started_at) == (0, None)  # nothing ran


@pytest.fixture
def broker_on(second_redis):
    """Point this process's Celery app at the second Redis, then back."""
    from irtkb.celery import app

    saved = app.conf.broker_url
    app.conf.broker_url = second_redis.url
    app.amqp._producer_pool = None
    yield second_redis
    app.conf.broker_url = saved
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: sent at once
def test_the_admin_action_says_nothing_was_queued_when_redis_stopped(client, broker_on):
    from django.urls import reverse

    from tests.factories import PaperFactory, UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    papers = [PaperFactory(), PaperFactory()]
    broker_on.stop()

    response = client.post(
        reverse("admin:papers_paper_changelist"),
        {"action": "refresh_from_pubmed", "_selected_action": [p.pk for p in papers]},
        follow=True,
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "The task queue is unreachable; nothing was queued" in text
    assert "Queued" not in text
    job = RefreshJob.objects.get()
    assert job.status == RefreshJob.Status.FAILED and (job.done, job.started_at) == (0, None)
    assert sorted(job.pmids) == sorted(p.pmid for p in papers)  # kept for a retry
