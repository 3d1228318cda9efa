"""The weekly refresh's unique key: two beat messages at the same moment make one job."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from papers.models import RefreshJob
from papers.tasks import refresh_all_papers

pytestmark = pytest.mark.django_db(transaction=True)


def _this_week() -> str:
    year, week, _ = timezone.now().isocalendar()
    return f"{year}-W{week:02d}"


def test_two_beat_messages_racing_make_one_job(settings, quiet_queue):
    """The first message has inserted the week's job but not committed when the second looks:
    the second sees no job, inserts, waits on the unique key, loses, and returns the first's."""
    inserted, release = threading.Event(), threading.Event()
    first: dict = {}

    def first_message() -> None:
        try:
            with transaction.atomic():
                job = RefreshJob.objects.create(
                    kind="refresh_all", trigger="schedule", schedule_key=_this_week()
                )
                first["pk"] = job.pk
                inserted.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=first_message)
    thread.start()
    assert inserted.wait(timeout=30)
    second: dict = {}

    def second_message() -> None:
        try:
            second["pk"] = refresh_all_papers()
        finally:
            connection.close()

    racer = threading.Thread(target=second_message)
    racer.start()
    racer.join(timeout=2)
    assert racer.is_alive()  # blocked on the first message's uncommitted key
    release.set()
    thread.join(timeout=30)
    racer.join(timeout=30)

    assert second["pk"] == first["pk"]
    assert RefreshJob.objects.filter(kind="refresh_all").count() == 1


def test_many_beat_messages_at_once_make_one_job(quiet_queue):
    results: list[int] = []

    def message() -> None:
        try:
            results.append(refresh_all_papers())
        finally:
            connection.close()

    threads = [threading.Thread(target=message) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    job = RefreshJob.objects.get()
    assert results == [job.pk] * 6 and job.schedule_key == _this_week()
    assert job.celery_task_id  # queued once
