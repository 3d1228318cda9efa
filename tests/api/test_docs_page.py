"""The interactive documentation at /api/docs/ and the schema at /api/schema/."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders


def test_the_schema_is_openapi_3_and_lists_every_endpoint(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/therapies/",
        "/api/v1/therapies/{slug}/",
        "/api/v1/evidence-items/",
        "/api/v1/papers/",
        "/api/v1/papers/{id}/",
        "/api/v1/search/",
        "/api/v1/changes/",
        "/api/v1/refresh-jobs/",
    } <= set(schema["paths"])


def test_the_docs_page_has_no_inline_script_or_style_and_loads_only_our_files(client, db):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "<style" not in html
    assert " style=" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        assert source.startswith("/"), source
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
