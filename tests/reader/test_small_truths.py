"""Small truths on the public pages: author initials, the chart's statistic, no internal errors."""

from __future__ import annotations

import json
import re

from papers.models import Paper
from tests import factories
from tests.reader.conftest import make_paper


def _chart(html: str) -> dict:
    match = re.search(r'<script id="reconstitution-data" [^>]*>(.*?)</script>', html)
    return json.loads(match.group(1))


def test_an_author_without_a_fore_name_is_shown_with_initials(client, clean_paper):
    html = client.get(clean_paper.get_absolute_url()).content.decode()

    assert "<li>Brinar VV</li>" in html
    assert "<li>Alice Jones</li>" in html


def test_a_single_reconstitution_value_is_called_a_reported_value_not_an_earliest_return(
    client, db
):
    therapy = factories.TherapyFactory(slug="test-therapy")
    factories.ReconstitutionPointFactory(
        therapy=therapy,
        cell_population="CD4+ T cells",
        recovery_months_min=36,
        recovery_months_max=36,
    )
    factories.ReconstitutionPointFactory(
        therapy=therapy,
        cell_population="CD19+ B cells",
        recovery_months_min=6,
        recovery_months_max=12,
    )

    html = client.get(therapy.get_absolute_url()).content.decode()

    chart = _chart(html)
    assert [(bar["label"], bar["statistic"], bar["min"], bar["max"]) for bar in chart["bars"]] == [
        ("CD4+ T cells", "reported value", 36.0, 36.0),
        ("CD19+ B cells", "range", 6.0, 12.0),
    ]
    assert chart["legend"] == {
        "value": "Reported value (or start of the reported range)",
        "range": "Reported range",
    }
    assert "earliest reported return" not in html.lower()
    assert '36 <span class="meta">(reported value)</span>' in html
    assert '6–12 <span class="meta">(range)</span>' in html


def test_a_failed_fetch_shows_a_plain_state_and_never_the_error_text(client, db):
    paper = make_paper(
        fetch_state=Paper.FetchState.FAILED,
        fetch_error="TransportError: HTTPSConnectionPool(host='eutils.ncbi.nlm.nih.gov') 503",
    )

    html = client.get(paper.get_absolute_url()).content.decode()

    assert "Fetch failed, will retry" in html
    assert "TransportError" not in html
    assert "HTTPSConnectionPool" not in html


def test_a_paper_pubmed_does_not_know_says_so_plainly(client, db):
    paper = make_paper(fetch_state=Paper.FetchState.NOT_FOUND, fetch_error="ID not found: 1")

    html = client.get(paper.get_absolute_url()).content.decode()

    assert "Not found in PubMed" in html
    assert "ID not found" not in html
