"""Every XSS payload comes out of render_markdown as inert HTML (no browser needed)."""

from __future__ import annotations

import re

import pytest

from papers.markdown import render_markdown
from tests.factories import EvidenceNoteFactory, TherapyFactory
from tests.security.html_checks import script_risks, url_scheme
from tests.security.xss_payloads import PAYLOADS, STORABLE_PAYLOADS


def test_there_are_at_least_fifty_distinct_payloads():
    assert len({payload for _, payload in PAYLOADS}) == len(PAYLOADS) >= 50


@pytest.mark.parametrize(("n", "payload"), PAYLOADS, ids=[f"payload-{n}" for n, _ in PAYLOADS])
def test_the_rendered_statement_has_no_script_handler_or_script_url(n, payload):
    html = str(render_markdown(payload))
    assert script_risks(html) == [], html


def test_the_checker_itself_catches_what_a_browser_would_run():
    assert script_risks('<p onclick="x()">a</p>') == ["event handler onclick= on <p>"]
    assert script_risks("<img src=x>") == ["tag <img>", "attribute src= on <img>"]
    assert url_scheme(" java\tscript:alert(1)") == "javascript"
    assert url_scheme("&#106;avascript:x") == ""  # entities are decoded before this is called
    assert script_risks('<a href="&#106;avascript:alert(1)">a</a>') == [
        "href='javascript:alert(1)' on <a>"
    ]


def test_safe_markdown_still_renders_links_and_emphasis():
    html = str(render_markdown("**Durable** [remission](https://example.org/a 'title')"))
    assert "<strong>Durable</strong>" in html
    link = '<a href="https://example.org/a" title="title" rel="noopener noreferrer nofollow">'
    assert link in html


@pytest.mark.django_db
def test_the_therapy_page_serves_every_payload_as_inert_html(client):
    therapy = TherapyFactory(slug="xss-check")
    for _, payload in STORABLE_PAYLOADS:
        EvidenceNoteFactory(therapy=therapy, statement=payload)
    page = client.get(therapy.get_absolute_url()).content.decode()
    statements = re.findall(r'<div class="statement">(.*?)</div>\s*(?=<|$)', page, re.S)
    assert len(statements) == len(STORABLE_PAYLOADS)
    for html in statements:
        assert script_risks(html) == [], html
