"""Staff in a real browser: paste ten identifiers (two bad), watch the job reach 100% live."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission

from eutils_replay import Faults, running_replay_server
from papers.models import RefreshJob
from tests.curation.conftest import make_user
from tests.e2e.conftest import screenshot
from tests.e2e.test_curation_journey import signed_in
from tests.pipeline.conftest import PUBMED_FIXTURES
from tests.worker.conftest import workers

__all__ = ["signed_in", "workers"]
pytestmark = [pytest.mark.browser, pytest.mark.worker]

TEN_LINES = [
    "990000001",
    "PMID: 990000002",
    "https://pubmed.ncbi.nlm.nih.gov/990000004/",
    "0",
    "990000005",
    "990000009",
    "990000077",
    "990000998",
    "10.1000 not a doi",
    "doi:10.5555/REF.0003",
]


def test_staff_import_ten_identifiers_and_watch_the_job_reach_100_percent(
    live_server, signed_in, workers
):
    sam = make_user("sam", is_staff=True)
    sam.user_permissions.set(
        Permission.objects.filter(codename__in=["view_refreshjob", "add_refreshjob"])
    )
    slow = Faults(rate_slow=1.0, slow_seconds=0.5)
    with running_replay_server(PUBMED_FIXTURES, faults=slow) as server:
        workers.start("staff", EUTILS_BASE_URL=server.base_url, REFRESH_BATCH_SIZE="2")
        page = signed_in(sam)
        page.goto(live_server.url + "/staff/jobs/import/")
        page.get_by_label("PMIDs, DOIs or PubMed URLs, one per line").fill("\n".join(TEN_LINES))
        page.get_by_role("button", name="Queue the import").click()
        page.wait_for_url(re.compile(r"/staff/jobs/\d+/$"))

        messages = page.locator(".messages").inner_text()
        assert "for 8 identifiers" in messages
        assert "line 4 ('0'): 0 is not a PMID" in messages
        assert "line 9 ('10.1000 not a doi')" in messages
        # A mark in the page's own JavaScript state: a reload would wipe it.
        page.evaluate("() => { window.notReloaded = true; }")
        bar = page.locator("#job-bar")
        page.locator('#job-progress[data-percent="100"]').wait_for(timeout=90_000)

        assert page.evaluate("() => window.notReloaded") is True
        assert bar.get_attribute("value") == "100"
        assert "(8 of 8 identifiers)" in page.locator("#job-progress").inner_text()
        screenshot(page, "staff-01-job-finished")
    job = RefreshJob.objects.get()
    assert job.status == "succeeded" and (job.done, job.total) == (8, 8), workers.log("staff")
    assert page.js_errors == []
