"""CITATION.cff is valid CFF 1.2.0, and "How to cite irtkb" is one footer link away."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from django.conf import settings

from papers.releases.version import irtkb_version

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "cff" / "schema-1.2.0.json"


def _citation() -> dict:
    return yaml.safe_load((Path(settings.BASE_DIR) / "CITATION.cff").read_text())


def test_citation_cff_is_valid_cff_1_2_0():
    schema = json.loads(SCHEMA.read_text())

    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        _citation()
    )


def test_citation_cff_has_the_projects_version_and_cites_the_review():
    citation = _citation()

    assert citation["version"] == irtkb_version()
    assert citation["references"][0]["doi"] == "10.1038/s41582-019-0268-z"


def test_the_footer_links_the_how_to_cite_page(client, db):
    home = client.get("/").content.decode()
    assert 'href="/cite/"' in home

    page = client.get("/cite/").content.decode()
    assert f"Version {irtkb_version()}" in page
    assert "10.1038/s41582-019-0268-z" in page
