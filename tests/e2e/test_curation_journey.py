"""Curators and editors in a real browser: write, submit, send back, fix, publish; and cite a
paper irtkb did not hold, fetched by a real worker while the form waits."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from eutils_replay import running_replay_server
from papers.models import EvidenceNote, Paper
from tests.curation.conftest import make_groups, make_user
from tests.e2e.conftest import axe_violations, screenshot
from tests.pipeline.conftest import PUBMED_FIXTURES
from tests.worker.conftest import workers  # noqa: F401 (the real-worker fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(browser, live_server):
    """Return a function giving a page whose context carries a user's session (no login form
    needed); the contexts close after the test."""
    contexts = []

    def open_page(user):
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        session = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        page.on("console", lambda m: page.js_errors.append(m.text) if m.type == "error" else None)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def team(dataset):
    curator, editor = make_groups()
    return (
        make_user("alice", curator, first_name="Alice", last_name="Curator"),
        make_user("bob", editor, first_name="Bob", last_name="Editor"),
    )


def test_an_item_goes_from_draft_to_the_therapy_page_through_two_people(
    page, live_server, team, signed_in
):
    alice_user, bob_user = team
    alice = signed_in(alice_user)
    bob = signed_in(bob_user)

    # alice writes a structured, quoted item on alemtuzumab
    alice.goto(live_server.url + "/curate/")
    alice.get_by_role("link", name="New item on Alemtuzumab").click()
    alice.wait_for_url(re.compile(r"/notes/new/\?therapy=alemtuzumab$"))
    alice.get_by_label("Evidence type").select_option("efficacy")
    statement = alice.get_by_label("What the cited papers show")
    statement.fill("In CARE-MS I, alemtuzumab **lowered the relapse rate** against interferon.")
    alice.locator("#statement-preview strong").wait_for()
    assert alice.locator("#statement-preview strong").inner_text() == "lowered the relapse rate"
    alice.get_by_label("Study design").select_option("rct")
    alice.get_by_label("Direction").select_option("supports")
    alice.get_by_label("Find a paper in irtkb").fill("alemtuzumab first-line")
    result = alice.locator(".picker-results li", has_text="first-line treatment").first
    result.get_by_role("button", name="Cite").click()
    row = alice.locator(".citation-row")
    row.wait_for()
    assert "PMID 23122652" in row.inner_text()
    row.get_by_label(re.compile("Supporting quote")).fill(
        "alemtuzumab versus interferon beta 1a as first-line treatment"
    )
    screenshot(alice, "curation-01-editor")
    assert axe_violations(alice) == []
    alice.get_by_role("button", name="Save draft").click()
    alice.wait_for_url(re.compile(r"/notes/\d+/$"))
    assert "From the title." in alice.locator(".item-citations").inner_text()
    alice.get_by_role("button", name="Submit for review").click()
    alice.get_by_text("Submitted for review.").wait_for()
    item_url = alice.url

    # bob sends it back with a comment
    bob.goto(live_server.url + "/curate/")
    bob.locator(".queue").first.get_by_role("link").first.click()
    assert bob.url == item_url
    bob.get_by_label("What needs to change").fill("Give the rate ratio the trial reports.")
    bob.get_by_role("button", name="Send back to draft").click()
    bob.get_by_text("Sent back to draft").wait_for()

    # alice fixes it and submits again
    alice.goto(live_server.url + "/curate/")
    assert "Give the rate ratio the trial reports." in alice.locator("main").inner_text()
    alice.locator(".queue a", has_text="#").first.click()
    alice.get_by_role("link", name="Edit").click()
    alice.get_by_label("Outcome measure").fill("rate ratio for relapse")
    alice.get_by_label("Outcome value").fill("0.45")
    alice.get_by_label("Comparator").fill("interferon beta 1a")
    alice.get_by_role("button", name="Save draft").click()
    alice.wait_for_url(item_url)
    alice.get_by_role("button", name="Submit for review").click()
    alice.get_by_text("Submitted for review.").wait_for()

    # bob publishes; readers see it on the therapy page
    bob.goto(item_url)
    bob.get_by_role("button", name="Publish").click()
    bob.get_by_text("Published.").wait_for()
    screenshot(bob, "curation-02-published")
    reader = page  # not signed in
    reader.goto(live_server.url + "/therapies/alemtuzumab/")
    published = reader.locator("li.note", has_text="lowered the relapse rate")
    published.get_by_role("link", name=re.compile(r"Evidence item #\d+")).click()
    assert (
        "Rate ratio for relapse: 0.45 versus interferon beta 1a"
        in reader.locator("main").inner_text()
    )
    assert "Added by Alice Curator" in reader.locator("main").inner_text()
    assert alice.js_errors == [] and bob.js_errors == []
    note = EvidenceNote.objects.get(statement__startswith="In CARE-MS I")
    assert (note.status, note.author, note.published_by) == ("published", alice_user, bob_user)


@pytest.mark.worker
def test_a_curator_cites_a_paper_irtkb_did_not_hold_and_watches_it_arrive(
    live_server,
    team,
    signed_in,
    workers,  # noqa: F811 (the fixture imported above)
):
    alice_user, _ = team
    with running_replay_server(PUBMED_FIXTURES) as server:
        workers.start("curation", EUTILS_BASE_URL=server.base_url)
        alice = signed_in(alice_user)
        alice.goto(live_server.url + "/notes/new/?therapy=ahsct")
        alice.get_by_label("Evidence type").select_option("reconstitution")
        alice.get_by_label("What the cited papers show").fill("A synthetic claim for the test.")
        alice.get_by_label("Add by PMID or DOI").fill("990000001")
        alice.get_by_role("button", name="Add", exact=True).click()
        row = alice.locator(".citation-row")
        row.wait_for()
        assert "PMID 990000001" in row.inner_text()
        # htmx polls until the worker has fetched it through the replay server.
        row.locator(".paper-title", has_text="T cell repertoires").wait_for(timeout=60_000)
        assert Paper.objects.get(pmid=990000001).fetch_state == "fetched"
        screenshot(alice, "curation-03-imported")
        row.get_by_label(re.compile("Supporting quote")).fill("clones grew x2-fold")
        # A PMID PubMed does not know: the worker reports it, and saving refuses the citation.
        alice.get_by_label("Add by PMID or DOI").fill("990000998")
        alice.get_by_role("button", name="Add", exact=True).click()
        unknown = alice.locator("#citation-list li", has_text="PMID 990000998")
        unknown.get_by_text("Not found in PubMed.").wait_for(timeout=60_000)
        alice.get_by_role("button", name="Save draft").click()
        unknown = alice.locator("#citation-list li", has_text="PMID 990000998")
        assert "was not found in PubMed" in unknown.locator(".errorlist").inner_text()
        assert alice.get_by_label("What the cited papers show").input_value() == (
            "A synthetic claim for the test."
        )
        unknown.get_by_label("Remove this citation when saving").check()
        alice.get_by_role("button", name="Save draft").click()
        alice.wait_for_url(re.compile(r"/notes/\d+/$"))
        alice.get_by_role("button", name="Submit for review").click()
        alice.get_by_text("Submitted for review.").wait_for()
    citation = EvidenceNote.objects.get(statement__startswith="A synthetic claim").citations.get()
    assert (citation.paper.pmid, citation.quote_section) == (990000001, "RESULTS")
    assert alice.js_errors == []
