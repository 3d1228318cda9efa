"""No XSS payload typed into an evidence statement runs script in a real browser.

Every storable payload (tests/security/xss_payloads.py) is a published note on one therapy,
all citing one paper, so two page loads (the therapy page and the paper page) check them all.
A sentinel replaces alert/confirm/prompt/print in every frame before the page's own scripts
run, a dialog listener catches anything that gets past it, and every element of every
statement is hovered, focused and clicked so that handlers needing a user would fire too.
"""

from __future__ import annotations

import re

import pytest

from papers.models import EvidenceNote
from tests.factories import EvidenceNoteFactory, PaperFactory, TherapyFactory
from tests.security.xss_payloads import STORABLE_PAYLOADS

pytestmark = pytest.mark.browser

SENTINEL = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__xss.push(`${name}(${args.join(",")})`); };
}
"""

# Fire what a reader could trigger. Links with a safe scheme are not followed (that would
# leave the page); any other link is clicked for real, so a script URL would run.
PROVOKE = """
() => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (link && ["http:", "https:", "mailto:"].includes(new URL(link.href).protocol)) {
      event.preventDefault();
    }
  }, true);
  const elements = [...document.querySelectorAll(".statement, .statement *")];
  for (const el of elements) {
    for (const type of ["mouseover", "mouseenter", "mousedown", "mouseup", "focus", "focusin"]) {
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
    if (typeof el.focus === "function") el.focus();
    if (typeof el.click === "function") el.click();
  }
  return elements.length;
}
"""

# What the browser built from the statements: tags, handler attributes, and link schemes.
INSPECT = """
() => {
  const allowed = new Set(%s);
  const found = [];
  for (const el of document.querySelectorAll(".statement *")) {
    const tag = el.tagName.toLowerCase();
    if (!allowed.has(tag)) found.push(`tag <${tag}>`);
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on")) found.push(`${attr.name}= on <${tag}>`);
    }
    if (el.href !== undefined && typeof el.href === "string" && el.href) {
      const scheme = new URL(el.href).protocol;
      if (!["http:", "https:", "mailto:"].includes(scheme)) found.push(`href ${el.href}`);
    }
  }
  return {found, statements: document.querySelectorAll(".statement").length};
}
"""


def _only_local_requests(page, live_server) -> None:
    """Abort every request that would leave this machine (payloads name other hosts)."""
    page.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + r")(https?|wss?|ftp)://"),
        lambda route: route.abort(),
    )


@pytest.fixture
def xss_notes(transactional_db):
    therapy = TherapyFactory(name="Payload therapy", slug="payload-therapy")
    paper = PaperFactory(title="The paper every payload note cites.")
    types = [value for value, _ in EvidenceNote.NoteType.choices]
    for n, payload in STORABLE_PAYLOADS:
        EvidenceNoteFactory(
            therapy=therapy, statement=payload, note_type=types[n % len(types)], papers=[paper]
        )
    return therapy, paper


def test_no_statement_payload_runs_script_on_the_therapy_or_paper_page(
    live_server, page, xss_notes
):
    from papers.markdown import ALLOWED_TAGS

    therapy, paper = xss_notes
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(SENTINEL)
    _only_local_requests(page, live_server)

    for path in (therapy.get_absolute_url(), paper.get_absolute_url()):
        page.goto(live_server.url + path, wait_until="load")
        assert page.url == live_server.url + path
        provoked = page.evaluate(PROVOKE)
        page.wait_for_timeout(300)  # let error events, animations and timers fire
        assert page.url.startswith(live_server.url + path), "a payload navigated away"
        report = page.evaluate(INSPECT % sorted(ALLOWED_TAGS))

        assert report["statements"] == len(STORABLE_PAYLOADS), path
        assert provoked > len(STORABLE_PAYLOADS)
        assert report["found"] == [], path
        assert page.evaluate("window.__xss") == [], path
        assert dialogs == [], path
        assert page.js_errors == [], path


@pytest.fixture
def page_without_csp(browser):
    """A page that ignores the site's CSP: with it, the payloads below cannot run at all."""
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def test_the_sentinel_catches_payloads_when_sanitising_is_switched_off(
    live_server, page_without_csp, transactional_db, monkeypatch
):
    """The harness itself: with raw HTML let through (and the CSP bypassed, the second line
    of defence), the same checks see script run."""
    page = page_without_csp
    from django.utils.safestring import mark_safe

    monkeypatch.setattr("papers.templatetags.papers_tags.render_markdown", mark_safe)
    therapy = TherapyFactory(name="Unsafe therapy", slug="unsafe-therapy")
    chosen = {1, 9, 22, 47}  # a script tag, onerror, onmouseover, a javascript: link
    for n, payload in STORABLE_PAYLOADS:
        if n in chosen:
            EvidenceNoteFactory(therapy=therapy, statement=payload)
    page.add_init_script(SENTINEL)
    _only_local_requests(page, live_server)

    page.goto(live_server.url + therapy.get_absolute_url(), wait_until="load")
    page.evaluate(PROVOKE)
    page.wait_for_timeout(300)

    assert sorted(page.evaluate("window.__xss")) == sorted(f"alert({n})" for n in chosen)
