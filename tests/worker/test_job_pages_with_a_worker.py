"""The staff job page against a real Celery worker: live progress, and cancel between batches."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from eutils_replay import Faults, running_replay_server
from papers.models import Paper, RefreshJob
from tests.curation.conftest import client_for
from tests.factories import stored_batches
from tests.pipeline.conftest import PUBMED_FIXTURES
from tests.staff.conftest import people
from tests.worker.conftest import wait_for

__all__ = ["people"]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PMIDS = [990000001, 990000002, 990000004, 990000005, 990000998, 990000999]  # last two unknown
# One PMID per batch and slow replies, so the job is seen part-way and cancelled part-way.
SLOW = {"REFRESH_BATCH_SIZE": "1"}


def _percent(body: str) -> int:
    found = re.search(r'data-percent="(\d+)"', body)
    assert found, body
    return int(found.group(1))


def test_the_progress_fragment_follows_the_worker_up_to_100_percent(people, workers):
    client = client_for(people.sam)
    with running_replay_server(
        PUBMED_FIXTURES, faults=Faults(rate_slow=1.0, slow_seconds=0.4)
    ) as server:
        workers.start("progress", EUTILS_BASE_URL=server.base_url, **SLOW)
        response = client.post(reverse("staff:import"), {"identifiers": "\n".join(map(str, PMIDS))})
        job = RefreshJob.objects.get()
        assert response["Location"] == job.get_absolute_url()
        url = reverse("staff:job-progress", args=[job.pk])
        seen: list[int] = []

        def finished() -> str | None:
            body = client.get(url).content.decode()
            seen.append(_percent(body))
            return body if 'hx-trigger="every 1s"' not in body else None

        last = wait_for(finished, timeout=90, interval=0.1, what="the job to finish")

    assert RefreshJob.objects.get(pk=job.pk).status == "succeeded", workers.log("progress")
    assert seen == sorted(seen) and max(seen) == 100 == seen[-1]
    assert [p for p in seen if 0 < p < 100], seen  # seen part-way, not only before and after
    assert "(6 of 6 identifiers)" in last and "<td>PMID 990000998</td>" in last
    assert Paper.objects.filter(pmid__in=PMIDS).count() == 4


def test_cancel_stops_a_running_job_between_batches(people, workers):
    client = client_for(people.sam)
    with running_replay_server(
        PUBMED_FIXTURES, faults=Faults(rate_slow=1.0, slow_seconds=1.0)
    ) as server:
        workers.start("cancel", EUTILS_BASE_URL=server.base_url, **SLOW)
        client.post(reverse("staff:import"), {"identifiers": "\n".join(map(str, PMIDS))})
        job = RefreshJob.objects.get()
        wait_for(lambda: RefreshJob.objects.get(pk=job.pk).done >= 1, timeout=60, what="a batch")

        response = client.post(reverse("staff:job-cancel", args=[job.pk]), follow=True)
        assert "will stop after the batch it is storing" in response.content.decode()
        cancelled = wait_for(
            lambda: (j := RefreshJob.objects.get(pk=job.pk)).is_finished and j,
            timeout=60,
            what="the worker to stop the job",
        )
        requests = [r for r in server.requests if r.endpoint == "efetch"]

    assert cancelled.status == "cancelled", workers.log("cancel")
    assert 1 <= cancelled.done < len(PMIDS)
    # Each batch ticked off is stored whole, the rest were never fetched (but the one in
    # flight when the cancel came), and they say so.
    stored = stored_batches(cancelled)
    assert Paper.objects.count() == len([i for i in stored if PMIDS[i] < 990000900])
    assert len(requests) <= len(stored) + 1
    statuses = set(cancelled.batches.values_list("status", flat=True))
    assert statuses == {"done", "cancelled"}
