"""Atom feeds: new or changed published evidence (site-wide and per therapy), and papers newly
flagged as retracted, corrected or of concern.

An evidence entry's id stays the same when the note changes and its ``updated`` moves on, as
RFC 4287 intends, so a feed reader shows the edit as an update of the entry it already has.
Flag entries come from the change log (PaperChange rows the pipeline writes when a flag turns
on), one entry per flag event.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from papers.markdown import render_markdown
from papers.markup import strip_tags
from papers.models import EvidenceNote, PaperChange, Therapy

FEED_ENTRIES = 50
# A tag: URI (RFC 4151) gives entries ids that do not change if the site moves host.
TAG_AUTHORITY = "tag:irtkb.org,2025"
FLAG_TITLES = {
    "is_retracted": "Retracted",
    "has_erratum": "Corrected (erratum)",
    "has_expression_of_concern": "Expression of concern",
}


class EvidenceFeed(Feed):
    """Published evidence items, most recently published or changed first."""

    feed_type = Atom1Feed
    title = "irtkb: new and changed evidence"
    subtitle = (
        "Published evidence items on immune reconstitution therapies for multiple sclerosis, "
        "newest or most recently changed first."
    )
    author_name = "irtkb curators"

    def link(self, obj=None) -> str:
        return reverse("papers:therapy-list")

    def feed_guid(self, obj=None) -> str:
        return f"{TAG_AUTHORITY}:feeds/evidence"

    def _notes(self):
        return EvidenceNote.objects.published().select_related("therapy")

    def items(self, obj=None):
        return self._notes().order_by("-updated_at", "-pk")[:FEED_ENTRIES]

    def item_title(self, note: EvidenceNote) -> str:
        statement = " ".join(strip_tags(render_markdown(note.statement)).split())
        short = statement if len(statement) <= 100 else statement[:99].rstrip() + "…"
        return f"{note.therapy.name}, {note.get_note_type_display()}: {short}"

    def item_description(self, note: EvidenceNote) -> str:
        # Sanitised HTML, escaped once more by the feed writer (type="html").
        return str(render_markdown(note.statement))

    def item_link(self, note: EvidenceNote) -> str:
        return note.get_absolute_url()

    def item_guid(self, note: EvidenceNote) -> str:
        return f"{TAG_AUTHORITY}:evidence/{note.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, note: EvidenceNote):
        return note.created_at

    def item_updateddate(self, note: EvidenceNote):
        return note.updated_at

    def item_categories(self, note: EvidenceNote) -> list[str]:
        return [note.therapy.name, note.get_note_type_display()]


class TherapyEvidenceFeed(EvidenceFeed):
    """Published evidence items on one therapy."""

    def get_object(self, request: HttpRequest, slug: str) -> Therapy:
        return get_object_or_404(Therapy, slug=slug)

    def title(self, therapy: Therapy) -> str:
        return f"irtkb: evidence on {therapy.name}"

    def subtitle(self, therapy: Therapy) -> str:
        return f"Published evidence items on {therapy.name}, newest or most recently changed first."

    def link(self, therapy: Therapy) -> str:
        return therapy.get_absolute_url()

    def feed_guid(self, therapy: Therapy) -> str:
        return f"{TAG_AUTHORITY}:feeds/therapies/{therapy.slug}/evidence"

    def items(self, therapy: Therapy):
        notes = self._notes().filter(therapy=therapy)
        return notes.order_by("-updated_at", "-pk")[:FEED_ENTRIES]


class FlaggedPapersFeed(Feed):
    """Papers PubMed newly lists as retracted, corrected or of concern, newest first."""

    feed_type = Atom1Feed
    title = "irtkb: papers newly retracted, corrected or of concern"
    subtitle = (
        "Each entry is a paper in irtkb that a PubMed refresh found newly retracted, corrected "
        "or under an expression of concern, with the evidence items that cite it."
    )
    author_name = "irtkb"

    def link(self) -> str:
        return reverse("papers:search") + "?retracted=only"

    def feed_guid(self) -> str:
        return f"{TAG_AUTHORITY}:feeds/flagged-papers"

    def items(self):
        return (
            PaperChange.objects.filter(field__in=FLAG_TITLES, new_value=True)
            .select_related("paper")
            .prefetch_related("paper__evidence_notes__therapy")
            .order_by("-changed_at", "-pk")[:FEED_ENTRIES]
        )

    def item_title(self, change: PaperChange) -> str:
        title = change.paper.title_text or f"PMID {change.paper.pmid}"
        return f"{FLAG_TITLES[change.field]}: {title}"

    def item_description(self, change: PaperChange) -> str:
        published = EvidenceNote.Status.PUBLISHED
        notes = [n for n in change.paper.evidence_notes.all() if n.status == published]
        if not notes:
            return "No published evidence item in irtkb cites this paper."
        count = len(notes)
        therapies = sorted({note.therapy.name for note in notes})
        return (
            f"{count} published evidence item{'s' if count != 1 else ''} in irtkb cite"
            f"{'' if count != 1 else 's'} this paper ({', '.join(therapies)})."
        )

    def item_link(self, change: PaperChange) -> str:
        return change.paper.get_absolute_url()

    def item_guid(self, change: PaperChange) -> str:
        return f"{TAG_AUTHORITY}:paper-flag/{change.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, change: PaperChange):
        return change.changed_at

    def item_updateddate(self, change: PaperChange):
        return change.changed_at

    def item_categories(self, change: PaperChange) -> list[str]:
        return [FLAG_TITLES[change.field]]
