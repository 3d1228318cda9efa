"""Side-by-side differences between two versions of an evidence item (or two people's edits).

Statements are prose, so they are compared word by word (difflib on words, whitespace kept),
not line by line. Output is plain data (text pieces marked same / removed / added) that
templates escape and wrap in <del>/<ins>: no HTML is built here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from curation.workflow import CONTENT_FIELDS, ItemContent, paper_label
from papers.models import EvidenceNote, Paper, Therapy

_TOKENS = re.compile(r"\s+|[^\s]+")

LABELS = {
    "therapy": "Therapy",
    "note_type": "Evidence type",
    "statement": "Statement",
    "study_design": "Study design",
    "direction": "Direction",
    "population_phenotype": "MS phenotype",
    "population_size": "Number of patients",
    "follow_up_value": "Follow-up",
    "follow_up_unit": "Follow-up unit",
    "outcome_measure": "Outcome measure",
    "outcome_value": "Outcome value",
    "outcome_comparator": "Comparator",
    "outcome_ci_low": "95% CI lower bound",
    "outcome_ci_high": "95% CI upper bound",
    "citations": "Citations and quotes",
}


@dataclass
class Piece:
    text: str
    op: str  # "same", "removed" (left side only) or "added" (right side only)


@dataclass
class FieldDiff:
    name: str
    label: str
    left: list[Piece]
    right: list[Piece]
    changed: bool
    left_text: str
    right_text: str


def word_diff(left: str, right: str) -> tuple[list[Piece], list[Piece]]:
    """Return the two texts as pieces, with what only one side has marked."""
    a, b = _TOKENS.findall(left or ""), _TOKENS.findall(right or "")
    left_pieces: list[Piece] = []
    right_pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            left_pieces.append(Piece("".join(a[i1:i2]), "same"))
            right_pieces.append(Piece("".join(b[j1:j2]), "same"))
            continue
        if i2 > i1:
            left_pieces.append(Piece("".join(a[i1:i2]), "removed"))
        if j2 > j1:
            right_pieces.append(Piece("".join(b[j1:j2]), "added"))
    return left_pieces, right_pieces


def display_value(name: str, value: Any) -> str:
    """Return a content value as a person reads it ("randomised controlled trial", not "rct")."""
    if value in (None, ""):
        return ""
    if name == "therapy":
        therapy = value if isinstance(value, Therapy) else Therapy.objects.filter(pk=value).first()
        return therapy.name if therapy else f"therapy {value}"
    field = EvidenceNote._meta.get_field(name)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    if hasattr(value, "normalize"):  # Decimal: 0.0700 -> 0.07, 96.0 -> 96
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def citations_text(content: ItemContent, papers: dict[int, Paper]) -> str:
    """Return the citations one per line: "PMID 123: "quote"" (papers named as messages do)."""
    lines = []
    for citation in content.citations:
        paper = papers.get(citation.paper_id)
        label = paper_label(paper) if paper else f"paper {citation.paper_id}"
        lines.append(f"{label}: “{citation.quote}”" if citation.quote else label)
    return "\n".join(lines)


def compare(left: ItemContent, right: ItemContent) -> list[FieldDiff]:
    """Return every field of two contents side by side, changed ones marked."""
    ids = {c.paper_id for c in [*left.citations, *right.citations]}
    papers = Paper.objects.only("pk", "pmid", "doi").in_bulk(list(ids))
    rows = []
    for name in (*CONTENT_FIELDS, "citations"):
        if name == "citations":
            a, b = citations_text(left, papers), citations_text(right, papers)
        else:
            a = display_value(name, left.values.get(name))
            b = display_value(name, right.values.get(name))
        left_pieces, right_pieces = word_diff(a, b)
        rows.append(FieldDiff(name, LABELS[name], left_pieces, right_pieces, a != b, a, b))
    return rows
