"""Supporting quotes: find a quote in a paper's title or abstract, and flag items whose quote
a refresh took away.

Matching is on plain text: PubMed's inline markup (<i>, <sup>, MathML) is dropped, entities
decoded, Unicode normalised (NFKC), dashes and quotation marks unified, whitespace collapsed
and case folded. So a curator may copy a quote from the PubMed page, the publisher's PDF or
our own page and still match, but a quote that says something the abstract does not will not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from papers.markup import strip_tags
from papers.models import Citation, EvidenceEvent, EvidenceNote, Paper

TITLE_SECTION = "TITLE"
# An unlabelled (unstructured) abstract is one section with no label.
ABSTRACT_SECTION = "ABSTRACT"
MISSING_QUOTE_REASON = "the supporting quote is no longer in the title or abstract"

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_QUOTES = dict.fromkeys(map(ord, "‘’‚‛′"), "'") | dict.fromkeys(map(ord, "“”„‟″"), '"')
_SPACE = re.compile(r"\s+")


def comparable_text(text: str) -> str:
    """Return ``text`` (which may hold inline markup) reduced to what quote matching compares."""
    plain = unicodedata.normalize("NFKC", strip_tags(text or ""))
    plain = plain.translate(_DASHES).translate(_QUOTES)
    return _SPACE.sub(" ", plain).strip().casefold()


@dataclass(frozen=True)
class Section:
    label: str
    text: str


def paper_sections(paper: Paper) -> list[Section]:
    """Return the title and each abstract section of ``paper``, as quotes are looked up in."""
    sections = [Section(TITLE_SECTION, paper.title or "")]
    for part in paper.abstract_sections:
        label = (part.get("label") or part.get("nlm_category") or ABSTRACT_SECTION).upper()
        sections.append(Section(label, str(part.get("text") or "")))
    return sections


def locate_quote(paper: Paper, quote: str) -> str | None:
    """Return the section of ``paper`` that holds ``quote`` ("TITLE", "RESULTS", ...), or None.

    A quote must lie within one section: text spanning two sections is not a quotation of
    either.
    """
    wanted = comparable_text(quote)
    if not wanted:
        return None
    for section in paper_sections(paper):
        if wanted in comparable_text(section.text):
            return section.label
    return None


@transaction.atomic
def flag_items_with_missing_quotes(*, paper_ids: Iterable[int]) -> list[int]:
    """Flag for review every item whose quote no longer occurs in its (changed) paper.

    Call after papers' titles or abstracts may have changed (the upsert calls it for every
    changed paper). A quote that moved to another section only has its section updated.
    Return the ids of the items newly flagged.
    """
    ids = list(paper_ids)
    if not ids:
        return []
    citations = (
        Citation.objects.filter(paper_id__in=ids)
        .exclude(quote="")
        .select_related("paper", "evidencenote")
        .order_by("evidencenote_id", "position")
    )
    missing: dict[int, list[Citation]] = {}
    moved: list[Citation] = []
    for citation in citations:
        section = locate_quote(citation.paper, citation.quote)
        if section is None:
            missing.setdefault(citation.evidencenote_id, []).append(citation)
        elif section != citation.quote_section:
            citation.quote_section = section
            moved.append(citation)
    Citation.objects.bulk_update(moved, ["quote_section"])

    flagged: list[int] = []
    for citations_of_note in missing.values():
        note = citations_of_note[0].evidencenote
        reasons = [f"{_label(c.paper)}: {MISSING_QUOTE_REASON}" for c in citations_of_note]
        new_reasons = [r for r in reasons if r not in note.review_reason]
        if not new_reasons and note.needs_review:
            continue
        note.needs_review = True
        note.review_reason = "\n".join(filter(None, [note.review_reason, *new_reasons]))
        # save() so django-simple-history records the flag with its reason.
        note._change_reason = "flagged: quote no longer in the abstract"
        note.save(update_fields=["needs_review", "review_reason", "updated_at"])
        record_flag_event(note=note, reasons=new_reasons or reasons)
        flagged.append(note.pk)
    return flagged


def record_flag_event(*, note: EvidenceNote, reasons: list[str]) -> EvidenceEvent:
    """Write the activity entry for a flag raised by the pipeline (no user did it)."""
    public_item = note.revision_of if note.revision_of_id else note
    return EvidenceEvent.objects.create(
        note=public_item,
        therapy_id=note.therapy_id,
        actor=None,
        kind=EvidenceEvent.Kind.FLAGGED,
        comment="\n".join(reasons),
        public=not note.revision_of_id and note.status == EvidenceNote.Status.PUBLISHED,
    )


def _label(paper: Paper) -> str:
    if paper.pmid:
        return f"PMID {paper.pmid}"
    return f"doi:{paper.doi}" if paper.doi else f"paper {paper.pk}"
