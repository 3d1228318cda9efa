"""Migration 0017 turns old JSON checkpoints into RefreshBatch rows: an unfinished job goes on
from where it was, and a crashed job's unstored batches can still be retried."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from papers import refresh
from papers.models import RefreshJob
from tests.integrity.migrating import migrate_to

pytestmark = pytest.mark.usefixtures("back_to_the_latest_schema")
BEFORE = [("papers", "0016_reconstitution_statistics")]
AFTER = [("papers", "0017_refresh_batches")]


def _old_job(status: str, identifiers: dict, checkpoint: dict, errors: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO papers_refreshjob (kind, trigger, status, identifiers, total, done,"
            " new_count, changed_count, unchanged_count, not_found_count, failed_count, errors,"
            " checkpoint, celery_task_id, created_at, started_at)"
            " VALUES ('import', 'command', %s, %s, %s, 200, 200, 0, 0, 0, 0, %s, %s, 'x',"
            " now(), now()) RETURNING id",
            [status, json.dumps(identifiers), 450, json.dumps(errors), json.dumps(checkpoint)],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_old_checkpoints_become_batches_and_nothing_to_retry_is_lost():
    migrate_to(BEFORE)
    frozen = list(range(990_300_001, 990_300_451))  # 450 PMIDs: batches of 200, 200, 50
    ids = {"pmids": frozen, "frozen_pmids": frozen}
    running = _old_job("running", ids, {"frozen": True, "batches_done": [0]}, {})
    crashed = _old_job(
        "failed",
        ids,
        {"frozen": True, "batches_done": [0], "review_done": True},
        {"_job": "OperationalError: gone"},
    )

    migrate_to(AFTER)

    resumed = RefreshJob.objects.get(pk=running)
    rows = list(resumed.batches.order_by("index").values_list("index", "status"))
    assert rows == [(0, "done"), (1, "planned"), (2, "planned")]
    assert [len(b.pmids) for b in resumed.batches.order_by("index")] == [200, 200, 50]
    assert resumed.planned_at is not None and "frozen_pmids" not in resumed.identifiers
    assert (resumed.done, resumed.new_count) == (200, 200)  # counts kept, not reset

    ended = RefreshJob.objects.get(pk=crashed)
    assert ended.review_done
    pmids, dois = refresh.failed_identifiers(ended)
    assert pmids == frozen[200:] and dois == []  # the two batches it never stored
