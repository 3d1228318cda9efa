"""A reader cites a paper from its own page: Cite, then BibTeX, in a real browser."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
import pytest

from tests.reader.conftest import make_paper

pytestmark = pytest.mark.browser


def test_a_reader_opens_cite_on_a_paper_page_and_downloads_its_bibtex(
    live_server, page, transactional_db
):
    paper = make_paper(
        pmid=990100003,
        doi="10.5555/irtkb.test.3",
        title="B-cell repopulation after a test course.",
        pages="1819-28",
        is_retracted=True,
        authors=(("Brinar", "", "VV"), ("Jones", "Alice", "A")),
    )

    page.goto(live_server.url + paper.get_absolute_url())
    cite = page.locator("details.cite-control")
    assert not page.get_by_role("link", name="BibTeX").is_visible()
    cite.locator("summary").click()
    assert page.locator("#cite-text").inner_text().startswith("Brinar VV, Jones A. B-cell")

    with page.expect_download() as download_info:
        cite.get_by_role("link", name="BibTeX").click()
    download = download_info.value

    assert download.suggested_filename == "pmid-990100003.bib"
    text = Path(download.path()).read_text(encoding="utf-8")
    entry = bibtexparser.parse_string(text).entries[0]
    assert entry["doi"] == "10.5555/irtkb.test.3"
    assert entry["pages"] == "1819--1828"
    assert entry["note"].startswith("RETRACTED")
    assert page.js_errors == []
