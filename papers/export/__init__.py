"""Citation export: BibTeX, RIS and CSL-JSON files, and a formatted (NLM) citation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from papers.export.bibtex import render_bibtex
from papers.export.citation import format_nlm_citation
from papers.export.csl_json import paper_to_csl, render_csl_json
from papers.export.ris import render_ris
from papers.models import Paper

# Search-result exports stop here; the search page says so next to the export links.
EXPORT_CAP = 1000


@dataclass(frozen=True)
class ExportFormat:
    slug: str
    label: str
    extension: str
    content_type: str
    render: Callable[[Iterable[Paper]], str]


FORMATS = {
    "bibtex": ExportFormat("bibtex", "BibTeX", "bib", "application/x-bibtex", render_bibtex),
    "ris": ExportFormat("ris", "RIS", "ris", "application/x-research-info-systems", render_ris),
    "csl-json": ExportFormat(
        "csl-json", "CSL-JSON", "json", "application/vnd.citationstyles.csl+json", render_csl_json
    ),
}

__all__ = [
    "EXPORT_CAP",
    "FORMATS",
    "ExportFormat",
    "format_nlm_citation",
    "paper_to_csl",
    "render_bibtex",
    "render_csl_json",
    "render_ris",
]
