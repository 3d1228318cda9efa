"""A reader's path through the site in a real browser, on the bundled dataset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from papers.models import Therapy
from tests.e2e.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def test_a_reader_goes_from_home_to_a_therapy_to_a_paper_and_compares(live_server, page, dataset):
    therapy = Therapy.objects.get(slug="alemtuzumab")

    page.goto(live_server.url + "/")
    assert page.title() == "Immune reconstitution therapies for multiple sclerosis · irtkb"
    assert page.locator(".card").count() == 5
    screenshot(page, "01-home")

    page.get_by_role("link", name=therapy.name, exact=True).first.click()
    page.wait_for_url(re.compile(r"/therapies/alemtuzumab/$"))
    assert page.locator("h1").inner_text() == therapy.name
    chart = page.locator('figure[data-chart="reconstitution"]')
    chart.wait_for(state="visible")
    # The chart names each value's statistic: Cossburn 2013's times are means.
    assert chart.locator("text.recon-value").all_text_contents() == [
        "mean 6 months",
        "mean 10 months",
        "mean 36 months",
    ]
    assert page.locator('figure[data-chart="years"]').get_attribute("data-chart-ready") == "true"
    screenshot(page, "02-therapy-alemtuzumab")

    source = page.locator("table.data tbody tr").first.locator("a.paper-title")
    source_title = source.inner_text()
    source.click()
    page.wait_for_url(re.compile(r"/papers/\d+/[a-z0-9-]+/$"))
    assert page.locator("h1").inner_text() == source_title
    assert page.get_by_role("heading", name="In irtkb").is_visible()
    screenshot(page, "03-paper")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compare").click()
    page.wait_for_url(re.compile(r"/compare/$"))
    headers = page.locator("table.compare thead th a").all_inner_texts()
    assert headers == list(Therapy.objects.order_by("position").values_list("name", flat=True))
    screenshot(page, "04-compare")
    assert page.js_errors == []


def test_a_reader_searches_from_a_paper_and_exports_the_results(live_server, page, dataset):
    page.goto(live_server.url + "/pmid/23122652/")
    page.get_by_role("search").get_by_label("Search papers").fill("alemtuzumab interferon")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search/\?q=alemtuzumab\+interferon"))

    titles = page.locator(".result-title").all_inner_texts()
    assert any("CARE-MS" in t or "interferon beta 1a" in t for t in titles), titles
    assert page.locator(".result-title mark, .snippet mark").count() > 0
    screenshot(page, "05-search")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="BibTeX", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".bib")
    bibtex = Path(download.path()).read_text(encoding="utf-8")
    assert bibtex.count("@article{") == len(titles)
    assert "doi = {10.1016/S0140-6736(12)61769-3}" in bibtex
    assert page.js_errors == []


def test_clicking_a_reconstitution_bar_opens_its_source(live_server, page, dataset):
    page.goto(live_server.url + "/therapies/alemtuzumab/")
    figure = page.locator('figure[data-chart="reconstitution"]')
    figure.wait_for(state="visible")
    figure.scroll_into_view_if_needed()
    first_row_link = page.locator("table.data tbody tr").first.locator("a.paper-title")
    expected = first_row_link.get_attribute("href")

    # The bar is server-drawn SVG inside a link; click the middle of the first one.
    box = figure.locator("rect.recon-bar").first.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.url.endswith(expected)


def test_the_cladribine_chart_marks_each_nadir_at_its_week(live_server, page, dataset):
    page.goto(live_server.url + "/therapies/cladribine/")
    figure = page.locator('figure[data-chart="reconstitution"]')
    figure.wait_for(state="visible")

    assert figure.locator("circle.recon-nadir").count() == 4
    assert figure.locator("text.recon-value").all_text_contents() == [
        "nadir at week 5",
        "nadir at week 13",
        "nadir at week 13",
        "nadir at week 24",
    ]
    # Later nadirs sit further right on the month axis.
    xs = [float(c.get_attribute("cx")) for c in figure.locator("circle.recon-nadir").all()]
    assert xs[0] < xs[1] == xs[2] < xs[3]
    screenshot(page, "02b-therapy-cladribine")
    assert page.js_errors == []


def test_the_review_page_lists_its_references(live_server, page, dataset):
    page.goto(live_server.url + "/review/")

    assert "Immune reconstitution therapies" in page.locator("h1").inner_text()
    assert page.locator("ol.references > li").count() >= 5
    assert "None" not in page.locator("ol.references").inner_text()
    screenshot(page, "05-review")


def test_charts_fall_back_to_tables_without_javascript(live_server, browser, dataset):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(live_server.url + "/therapies/alemtuzumab/")

    # The reconstitution chart is server-drawn SVG, so it shows without JavaScript too.
    assert page.locator('figure[data-chart="reconstitution"] svg').is_visible()
    assert page.get_by_role("table", name="Depletion and recovery by cell population").is_visible()
    assert page.locator("details.chart-table table").is_visible()
    screenshot(page, "06-therapy-without-js")
    context.close()


def test_pages_fit_a_phone_screen(live_server, browser, dataset):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    for name, path in (
        ("home", "/"),
        ("therapy", "/therapies/ocrelizumab/"),
        ("review", "/review/"),
    ):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        assert axe_violations(page) == [], path
        screenshot(page, f"07-phone-{name}")
    context.close()


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_main(live_server, page, dataset):
    page.goto(live_server.url + "/therapies/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_accessibility_check_catches_a_broken_page(page):
    page.set_content(
        '<html><body><main><img src="x.png"><p style="color:#bbb;background:#fff">faint</p>'
        '<input type="text"></main></body></html>'
    )

    found = {violation["id"] for violation in axe_violations(page)}

    assert {"image-alt", "color-contrast", "label"} <= found


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/therapies/",
        "/therapies/alemtuzumab/",
        "/therapies/ocrelizumab/papers/",
        "/compare/",
        "/review/",
        "/search/?q=alemtuzumab",
        "/pmid/23122652/",
        "/no-such-page/",
    ],
)
def test_pages_have_no_serious_accessibility_violations(live_server, page, dataset, path):
    page.goto(live_server.url + path)
    page.wait_for_load_state("load")

    assert axe_violations(page) == []
