"""RIS, written with rispy: one "TAG  - value" line per field, each record ending with "ER  -"."""

from __future__ import annotations

from collections.abc import Iterable

import rispy

from papers.export.csl_json import paper_to_csl
from papers.models import Paper


class _RisWriter(rispy.RisWriter):
    # The RIS specification ends lines with CR LF.
    NEWLINE = "\r\n"

    # rispy numbers records ("1.") before each TY line; the RIS spec has no such line and
    # some reference managers reject it.
    def set_header(self, count: int) -> str:
        return ""


def render_ris(papers: Iterable[Paper]) -> str:
    """Return papers as RIS records (CRLF line ends, as the RIS specification asks)."""
    records = [_record(paper_to_csl(paper)) for paper in papers]
    if not records:
        return ""
    return _RisWriter().formats(records)


def _record(item: dict) -> dict:
    is_chapter = item["type"] == "chapter"
    record: dict = {"type_of_reference": "CHAP" if is_chapter else "JOUR"}
    authors = [_ris_name(name) for name in item.get("author", [])]
    if authors:
        record["authors"] = authors
    record["title"] = item.get("title", "")
    if item.get("container-title"):
        record["secondary_title"] = item["container-title"]
    if item.get("container-title-short"):
        record["alternate_title1"] = item["container-title-short"]
    date_parts = item.get("issued", {}).get("date-parts", [[]])[0]
    if date_parts:
        record["year"] = str(date_parts[0])
        # DA is YYYY/MM/DD/ with empty parts left blank.
        padded = [f"{part:02d}" for part in date_parts[1:]] + ["", ""]
        record["date"] = f"{date_parts[0]}/{padded[0]}/{padded[1]}/"
    simple = {
        "volume": "volume",
        "issue": "number",
        "publisher": "publisher",
        "ISSN": "issn",
        "DOI": "doi",
        "abstract": "abstract",
        "URL": "urls",
    }
    for csl_key, ris_key in simple.items():
        if item.get(csl_key):
            record[ris_key] = [item[csl_key]] if ris_key == "urls" else item[csl_key]
    if item.get("page"):
        start, _, end = item["page"].partition("-")
        record["start_page"] = start.strip()
        if end.strip():
            record["end_page"] = end.strip()
    if item.get("PMID"):
        record["accession_number"] = item["PMID"]
        record["name_of_database"] = "PubMed"
    # Flag warnings first: a reference manager may show only the first note.
    notes = [item["note"]] if item.get("note") else []
    notes += [f"{key}: {item[key]}" for key in ("PMID", "PMCID") if item.get(key)]
    if notes:
        record["notes"] = notes
    if item.get("keyword"):
        record["keywords"] = [word.strip() for word in item["keyword"].split(",") if word.strip()]
    # A value never spans lines in RIS: a newline would start a malformed tag line.
    return {key: _one_line(value) for key, value in record.items()}


def _ris_name(name: dict) -> str:
    if "literal" in name:
        return name["literal"]
    parts = [name["family"], name.get("given", ""), name.get("suffix", "")]
    return ", ".join(part for part in parts if part)


def _one_line(value):
    if isinstance(value, list):
        return [_one_line(part) for part in value]
    return " ".join(str(value).split())
