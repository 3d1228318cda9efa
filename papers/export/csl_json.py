"""CSL-JSON, the Citation Style Language's data format (what Zotero and citeproc read).

It is also the one record shape the other exports are built from: BibTeX and RIS read these
dictionaries, so every format agrees on names, dates and identifiers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from papers.export.flags import flag_notes
from papers.export.pages import expand_page_range
from papers.markup import strip_tags
from papers.models import Paper

# PubMed's seasons as CSL's season numbers (1 spring … 4 winter).
SEASONS = {"spring": 1, "summer": 2, "fall": 3, "autumn": 3, "winter": 4}


def paper_to_csl(paper: Paper) -> dict:
    """Return one paper as a CSL-JSON item (keys only where the paper has a value)."""
    is_chapter = bool(paper.book_title) and paper.journal_id is None
    item: dict = {
        "id": f"pmid:{paper.pmid}" if paper.pmid else f"irtkb:{paper.pk}",
        "type": "chapter" if is_chapter else "article-journal",
        "title": strip_tags(paper.title),
        "author": [_csl_name(authorship.author) for authorship in _authorships(paper)],
    }
    if is_chapter:
        item["container-title"] = strip_tags(paper.book_title)
    elif paper.journal_id:
        journal = paper.journal
        item["container-title"] = journal.title
        if journal.iso_abbreviation:
            item["container-title-short"] = journal.iso_abbreviation
        issn = journal.issn_print or journal.issn_electronic or journal.issn_linking
        if issn:
            item["ISSN"] = issn
    issued = _csl_issued(paper)
    if issued:
        item["issued"] = issued
    optional = {
        "volume": paper.volume,
        "issue": paper.issue,
        "page": expand_page_range(paper.pages),
        "publisher": paper.publisher,
        "DOI": paper.doi,
        "PMID": str(paper.pmid) if paper.pmid else "",
        "PMCID": paper.pmcid,
        "URL": paper.pubmed_url or paper.doi_url,
        "abstract": abstract_text(paper),
        "keyword": ", ".join(paper.keywords),
        "note": " ".join(flag_notes(paper)),
    }
    item.update({key: value for key, value in optional.items() if value})
    if not item["author"]:
        del item["author"]
    return item


def render_csl_json(papers: Iterable[Paper]) -> str:
    """Return papers as a CSL-JSON array (UTF-8 text, non-ASCII kept as is)."""
    return json.dumps([paper_to_csl(paper) for paper in papers], ensure_ascii=False, indent=2)


def abstract_text(paper: Paper) -> str:
    """Return the abstract as plain text, each labelled section as "LABEL: text"."""
    sections = paper.abstract_sections
    parts = []
    for section in sections:
        text = strip_tags(section.get("text", ""))
        label = section.get("label", "")
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(part for part in parts if part)


def _authorships(paper: Paper) -> list:
    return sorted(paper.authorships.all(), key=lambda authorship: authorship.position)


def _csl_name(author) -> dict:
    if author.collective_name:
        return {"literal": author.collective_name}
    name = {"family": author.last_name}
    if author.fore_name or author.initials:
        name["given"] = author.fore_name or author.initials
    if author.suffix:
        name["suffix"] = author.suffix
    return name


def _csl_issued(paper: Paper) -> dict | None:
    """Return the publication date as CSL date-parts, as precise as PubMed gives it."""
    if paper.pub_year:
        parts = [paper.pub_year]
        if paper.pub_month and not paper.pub_season:
            parts.append(paper.pub_month)
            if paper.pub_day:
                parts.append(paper.pub_day)
        issued: dict = {"date-parts": [parts]}
        season = SEASONS.get(paper.pub_season.strip().lower()) if paper.pub_season else None
        if season:
            issued["season"] = season
        return issued
    if paper.pub_medline_date:
        return {"literal": paper.pub_medline_date}
    return None
