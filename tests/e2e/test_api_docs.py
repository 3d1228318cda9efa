"""Swagger UI on /api/docs/ renders the API under the page's strict Content-Security-Policy."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_render_the_operations_with_no_csp_violation(page, live_server, dataset):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content" in msg.text else None)

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/papers/" in " ".join(paths)
    assert violations == []
    assert page.js_errors == []
