"""Small truths on the public pages: author initials, the chart's statistic, no internal errors."""

from __future__ import annotations

import re

from papers.models import Paper
from tests import factories
from tests.reader.conftest import make_paper


def test_an_author_without_a_fore_name_is_shown_with_initials(client, clean_paper):
    html = client.get(clean_paper.get_absolute_url()).content.decode()

    assert "<li>Brinar VV</li>" in html
    assert "<li>Alice Jones</li>" in html


def test_each_reconstitution_value_is_named_by_its_statistic_never_an_earliest_return(client, db):
    therapy = factories.TherapyFactory(slug="test-therapy")
    factories.ReconstitutionPointFactory(
        therapy=therapy,
        cell_population="CD4+ T cells",
        recovery_months_min=36,
        recovery_months_max=None,
        recovery_statistic="mean",
    )
    factories.ReconstitutionPointFactory(
        therapy=therapy,
        cell_population="CD19+ B cells",
        recovery_months_min=6,
        recovery_months_max=12,
        recovery_statistic="range",
    )
    factories.ReconstitutionPointFactory(
        therapy=therapy,
        cell_population="Memory B cells",
        recovery_months_min=12,
        recovery_months_max=None,
        recovery_statistic="proportion",
        proportion_recovered=85,
    )
    factories.ReconstitutionPointFactory(
        therapy=therapy,
        cell_population="CD8+ T cells",
        nadir_time=24,
        nadir_time_unit="weeks",
        nadir_statistic="time_point",
        recovery_months_min=None,
        recovery_months_max=None,
        recovery_statistic="",
    )

    html = client.get(therapy.get_absolute_url()).content.decode()

    figure = html[html.index('<figure class="chart recon-chart"') : html.index("</figure>")]
    assert re.findall(r'<text class="recon-value"[^>]*>([^<]*)</text>', figure) == [
        "mean 36 months",
        "range 6–12 months",
        "85% recovered at 12 months",
        "depleted at week 24",
    ]
    # A mean is one bar with no range segment; only the range has one.
    assert figure.count('class="recon-range"') == 1
    assert 'class="recon-bar statistic-mean"' in figure
    assert "earliest" not in html.lower()
    assert 'mean 36 months <span class="meta">(mean)</span>' in html
    assert "depleted at week 24 (group observation at a time point)" in html


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


def test_one_month_is_singular_on_the_chart(client, db):
    therapy = factories.TherapyFactory(slug="one-month-therapy")
    factories.ReconstitutionPointFactory(
        therapy=therapy,
        cell_population="NK cells",
        recovery_months_min=1,
        recovery_months_max=None,
        recovery_statistic="time_point",
    )

    html = client.get(therapy.get_absolute_url()).content.decode()

    assert ">at 1 month</text>" in html and "1 months" not in html
