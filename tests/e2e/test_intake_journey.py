"""A curator in a real browser: run the watched searches, triage a paper with htmx, and cite
it from the item editor's suggestions (issue 12's "done when", on the bundled dataset)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from eutils_replay import running_replay_server
from papers.models import IntakeItem, WatchRun
from tests.e2e.test_curation_journey import signed_in, team  # noqa: F401 (fixtures)
from tests.intake.conftest import point_app_at

pytestmark = pytest.mark.browser
DATASET = Path(__file__).resolve().parents[2] / "papers" / "dataset"
REVIEW_TITLE = "Immune reconstitution therapies: concepts for durable remission"


def test_a_watched_search_fills_the_inbox_and_a_triaged_paper_is_cited(
    team,  # noqa: F811 (the fixture imported above)
    signed_in,  # noqa: F811
    live_server,
    settings,
):
    alice_user, _ = team
    with running_replay_server(DATASET) as server:
        point_app_at(settings, server, uuid.uuid4().hex)
        alice = signed_in(alice_user)
        alice.goto(f"{live_server.url}/curate/")
        alice.get_by_role("button", name="Run watched searches now").first.click()

        alice.wait_for_url("**/curate/inbox/")
        assert WatchRun.objects.filter(status="succeeded").count() == 5
        row = alice.locator(".inbox-item", has_text=REVIEW_TITLE)
        assert "cladribine" in row.inner_text().lower()  # the search that found it

        row.get_by_role("button", name="Relevant", exact=True).click()  # htmx, in place
        alice.locator(".inbox-item .triage-status", has_text="relevant").wait_for()
        meta = " ".join(row.locator("p.meta").text_content().split())
        assert "relevant to Cladribine tablets by Alice Curator" in meta, meta
        assert IntakeItem.objects.get(paper__pmid=31649335).status == "relevant"

        alice.goto(f"{live_server.url}/notes/new/?therapy=cladribine")
        suggested = alice.locator(".suggested-papers li", has_text=REVIEW_TITLE)
        suggested.get_by_role("button", name="Cite").click()
        alice.locator("#citation-list", has_text=REVIEW_TITLE).wait_for()

    assert alice.js_errors == []
