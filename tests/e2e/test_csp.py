"""The key pages work in Chromium under the site's Content-Security-Policy, with no violation."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.curation.conftest import make_groups, make_user

pytestmark = pytest.mark.browser

# Every violation the page reports, caught by a listener Playwright adds before any script.
LISTEN = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def _open(browser, live_server, user=None):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.console_csp = []
    page.on(
        "console",
        lambda m: page.console_csp.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return context, page


def _visit(page, url: str, ready: str) -> dict:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_selector(ready, timeout=15_000)
    policy = response.headers.get("content-security-policy", "")
    return {"policy": policy, "violations": page.evaluate("window.__csp")}


def test_key_pages_load_with_csp_and_no_violation(browser, live_server, dataset):
    from papers.models import Paper

    review = Paper.objects.get(pmid=31649335)
    context, page = _open(browser, live_server)
    try:
        pages = {
            "/": "main h1",
            # The therapy page draws its charts (script and the height set from data-).
            "/therapies/alemtuzumab/": "figure[data-chart-ready='true']",
            "/search/?q=alemtuzumab": "main",
            review.get_absolute_url(): "main h1",
            "/api/docs/": ".opblock-summary-path",
        }
        for path, ready in pages.items():
            seen = _visit(page, live_server.url + path, ready)
            assert "script-src 'self'" in seen["policy"], path
            assert "unsafe-inline" not in seen["policy"], path
            assert seen["violations"] == [], path
        assert page.console_csp == []
        # Both charts have a size without any style attribute: the years chart's canvas box
        # from the stylesheet, the reconstitution chart (server-drawn SVG) from its viewBox.
        page.goto(live_server.url + "/therapies/alemtuzumab/")
        page.wait_for_selector("figure[data-chart-ready='true']")
        heights = page.evaluate(
            "[document.querySelector('.chart-canvas-years'), document.querySelector('.recon-svg')]"
            ".map((box) => box.getBoundingClientRect().height)"
        )
        assert all(h > 50 for h in heights), heights
    finally:
        context.close()


def test_the_curator_editor_works_under_csp(browser, live_server, dataset):
    curator_group, _ = make_groups()
    alice = make_user("alice", curator_group)
    context, page = _open(browser, live_server, alice)
    try:
        seen = _visit(page, live_server.url + "/notes/new/?therapy=ahsct", "form")
        assert "script-src 'self'" in seen["policy"]
        # htmx is at work: the Markdown preview answers as the statement is typed.
        page.get_by_label("What the cited papers show").fill("A **lowered** relapse rate.")
        page.locator("#statement-preview strong").wait_for(timeout=15_000)
        assert page.evaluate("window.__csp") == []
        assert page.console_csp == []
    finally:
        context.close()
