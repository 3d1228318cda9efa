"""The public pages' cache: used for anonymous readers, stale the moment a change commits.

Tests that write and then read again run with real commits (``committed_kb``): the version
changes when a transaction commits, and a test wrapped in one transaction never commits.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from irtkb.redis_clients import redis_client
from papers import content_version
from papers.content_version import mark_content_changed
from papers.models import EvidenceNote, Paper
from tests import factories
from tests.content_changes import content_version_writes
from tests.web.conftest import build_knowledge_base, make_paper

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Port 1 on loopback: nothing listens, so every cache call fails at once.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5},
    }
}


@pytest.fixture
def committed_kb(transactional_db):
    """Return a small knowledge base, committed in one transaction as a data load would be."""
    with transaction.atomic():
        return build_knowledge_base(papers=10)


def _public_urls(kb) -> list[str]:
    therapy = kb.therapies[0]
    return [
        reverse("papers:home"),
        reverse("papers:therapy-list"),
        therapy.get_absolute_url(),
        reverse("papers:therapy-papers", args=[therapy.slug]),
        reverse("papers:compare"),
        reverse("papers:review"),
        kb.cited[0].get_absolute_url(),
    ]


def test_a_repeated_anonymous_request_is_served_without_sql(client, kb):
    for url in _public_urls(kb):
        first = client.get(url)
        with CaptureQueriesContext(connection) as queries:
            second = client.get(url)

        assert first.status_code == second.status_code == 200, url
        assert first["X-Page-Cache"] == "miss", url
        assert second["X-Page-Cache"] == "hit", url
        assert len(queries) == 0, (url, [q["sql"] for q in queries])
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"]


def test_an_edited_note_shows_once_saved(client, committed_kb):
    therapy = committed_kb.therapies[0]
    note = therapy.evidence_notes.get(note_type=EvidenceNote.NoteType.EFFICACY)
    client.get(therapy.get_absolute_url())

    note.statement = "Relapse-free survival held at five years in the extension cohort."
    note.save()
    html = client.get(therapy.get_absolute_url()).content.decode()

    assert "Relapse-free survival held at five years in the extension cohort." in html


def test_a_retired_or_deleted_note_disappears_once_saved(client, committed_kb):
    therapy = committed_kb.therapies[0]
    retired, deleted = therapy.evidence_notes.all()[:2]
    client.get(therapy.get_absolute_url())

    retired.status = EvidenceNote.Status.RETIRED
    retired.save()
    deleted_id = deleted.pk
    deleted.delete()
    html = client.get(therapy.get_absolute_url()).content.decode()

    assert f'id="note-{retired.pk}"' not in html
    assert f'id="note-{deleted_id}"' not in html


def test_papers_added_to_a_note_show_once_saved(client, committed_kb):
    therapy = committed_kb.therapies[0]
    note = therapy.evidence_notes.get(note_type=EvidenceNote.NoteType.SAFETY)
    added = make_paper(title="Secondary autoimmunity after alemtuzumab: a cohort study.")
    url = reverse("papers:therapy-papers", args=[therapy.slug])
    client.get(url)
    Paper.objects.filter(pk=added.pk).update(pub_year=2099)  # newest, so it lists first

    note.papers.add(added)  # m2m_changed, no save of the note itself
    html = client.get(url).content.decode()

    assert "Secondary autoimmunity after alemtuzumab" in html


def test_a_bulk_write_shows_once_the_writer_marks_the_content_changed(client, committed_kb):
    paper = committed_kb.cited[0]
    url = paper.get_absolute_url()
    client.get(url)
    # What the pipeline does: set-based writes send no signals, so it marks the change.
    with transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(is_retracted=True)
        assert "Retracted" not in client.get(url).content.decode()  # still the cached page
        mark_content_changed()
        assert "Retracted" not in client.get(url).content.decode()  # not committed yet

    assert "Retracted" in client.get(url).content.decode()


def test_a_transaction_changes_the_version_once_however_many_writes_mark_it(committed_kb):
    with content_version_writes() as writes, transaction.atomic():
        for paper in committed_kb.cited[:5]:
            paper.title = paper.title + " (revised)"
            paper.save()  # post_save marks the content changed
            mark_content_changed()

    assert len(writes) == 1


def test_a_write_outside_a_transaction_changes_the_version_at_once(committed_kb):
    with content_version_writes() as writes:
        committed_kb.cited[0].save()  # autocommit: visible to everyone at once, so stale at once
        committed_kb.cited[1].save()

    assert len(writes) == 2


def test_a_rolled_back_write_changes_no_version(committed_kb):
    with content_version_writes() as writes, pytest.raises(RuntimeError), transaction.atomic():
        committed_kb.cited[0].save()
        raise RuntimeError("the write fails")

    assert writes == []


def test_signed_in_users_bypass_the_cache(client, kb, django_user_model):
    url = kb.therapies[0].get_absolute_url()
    client.get(url)
    client.get(url)  # cached now for anonymous readers
    staff = django_user_model.objects.create_user("curator", password="x", is_staff=True)
    client.force_login(staff)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    assert len(queries) > 0


def test_query_strings_are_different_pages(client, db):
    therapy = factories.TherapyFactory()
    factories.EvidenceNoteFactory(
        therapy=therapy,
        papers=[make_paper(pub_year=2010, authors=1, mesh=0), make_paper(pub_year=2011)],
    )
    url = reverse("papers:therapy-papers", args=[therapy.slug])

    all_years = client.get(url).content.decode()
    one_year = client.get(url, {"year": 2011}).content.decode()

    assert "2 papers" in all_years
    assert "1 paper<" in one_year


def test_not_found_pages_are_not_cached(client, db):
    url = reverse("papers:therapy-detail", args=["later-therapy"])
    assert client.get(url).status_code == 404

    factories.TherapyFactory(slug="later-therapy", name="Later therapy")
    response = client.get(url)

    assert response.status_code == 200
    assert "Later therapy" in response.content.decode()


def test_pages_still_render_when_redis_is_down(client, kb, settings):
    settings.CACHES = UNREACHABLE_REDIS

    response = client.get(kb.therapies[0].get_absolute_url())

    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    assert kb.therapies[0].name in response.content.decode()


def test_saving_a_note_succeeds_when_redis_is_down(committed_kb, settings):
    settings.CACHES = UNREACHABLE_REDIS
    note = committed_kb.notes[0]

    note.statement = "Saved while the cache was unreachable."
    note.save()

    note.refresh_from_db()
    assert note.statement == "Saved while the cache was unreachable."


def test_a_hit_within_the_check_window_asks_redis_nothing(client, kb, monkeypatch, settings):
    monkeypatch.setattr(content_version, "VERSION_CHECK_SECONDS", 3600)  # no clock in this test
    url = kb.therapies[0].get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"

    settings.CACHES = UNREACHABLE_REDIS  # any Redis call now fails, and the page would render
    assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_change_made_by_another_process_is_seen_once_the_window_passes(
    client, kb, monkeypatch, settings
):
    monkeypatch.setattr(content_version, "VERSION_CHECK_SECONDS", 3600)  # no clock in this test
    url = kb.therapies[0].get_absolute_url()
    client.get(url)
    # Another process (a worker's refresh) replaces the version in Redis directly.
    redis = redis_client(settings.CACHES["default"]["LOCATION"])
    redis.set(content_version.VERSION_KEY, "set-by-another-process")
    assert client.get(url)["X-Page-Cache"] == "hit"  # still inside this process's window

    monkeypatch.setattr(content_version, "VERSION_CHECK_SECONDS", 0)
    assert client.get(url)["X-Page-Cache"] == "miss"
