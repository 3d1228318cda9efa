"""Static files: hashed names through whitenoise's manifest storage, nothing from a CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from tests.web.conftest import build_knowledge_base

ROOT = Path(django_settings.BASE_DIR)


@pytest.mark.django_db
def test_pages_reference_hashed_files_that_whitenoise_serves(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    therapy = build_knowledge_base(papers=5, therapies=1).therapies[0]

    html = Client().get(therapy.get_absolute_url()).content.decode()

    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any(re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", a) for a in assets)
    assert any(
        re.fullmatch(r"/static/vendor/chart\.js/chart\.umd\.min\.[0-9a-f]{12}\.js", a)
        for a in assets
    )
    for asset in assets:
        served = Client().get(asset)
        assert served.status_code == 200, asset
        assert "immutable" in served["Cache-Control"]


def test_no_template_or_script_loads_anything_from_another_host():
    files = [*ROOT.joinpath("templates").rglob("*.html"), *ROOT.joinpath("static").rglob("*.css")]
    files += [p for p in ROOT.joinpath("static", "js").rglob("*.js")]

    for path in files:
        text = path.read_text(encoding="utf-8")
        # Links to PubMed or DOI are fine; anything the browser would load is not.
        loaded = (
            r'<(?:script|img|iframe|link|source|video|audio)\b[^>]*(?:src|href)="(?:https?:)?//'
        )
        assert not re.search(loaded, text), path
        assert "@import url(http" not in text, path


def test_no_template_marks_raw_data_safe():
    for path in ROOT.joinpath("templates").rglob("*.html"):
        assert "|safe" not in path.read_text(encoding="utf-8"), path


def test_vendored_libraries_match_the_pinned_npm_versions():
    package = json.loads(ROOT.joinpath("package.json").read_text())
    chart_version = package["dependencies"]["chart.js"]
    axe_version = package["devDependencies"]["axe-core"]

    chart = ROOT.joinpath("static/vendor/chart.js/chart.umd.min.js").read_text()[:200]
    axe = ROOT.joinpath("tests/e2e/vendor/axe-core/axe.min.js").read_text()[:200]

    assert f"Chart.js v{chart_version}" in chart
    assert f"axe v{axe_version}" in axe
    assert ROOT.joinpath("static/vendor/chart.js/LICENSE.md").exists()
    assert ROOT.joinpath("tests/e2e/vendor/axe-core/LICENSE").exists()
