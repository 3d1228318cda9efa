"""What the curator workspace reads: visible items, the queue, versions, activity, the picker.

Every read here is a fixed number of queries whatever the amount of data, so the dashboard and
the activity feed cost the same with ten items or ten thousand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from curation.identifiers import IdentifierError, parse_identifier
from papers.models import (
    Author,
    Authorship,
    Citation,
    EvidenceEvent,
    EvidenceNote,
    Paper,
    Reference,
    Therapy,
)
from papers.roles import can_curate, can_publish
from papers.search.index import SEARCH_CONFIG

Status = EvidenceNote.Status
QUEUE_LENGTH = 50
PICKER_RESULTS = 15
# Words for a prefix search; anything else (operators, quotes) is dropped, not interpreted.
_WORD = re.compile(r"\w+")


def items_visible_to(user: Any) -> QuerySet:
    """Return the items ``user`` may open: all for curators, published or retired for others."""
    if can_curate(user):
        return EvidenceNote.objects.all()
    return EvidenceNote.objects.public()


def therapy_for(slug: str | None) -> Therapy | None:
    """Return the therapy named by a ?therapy=<slug> parameter, or None."""
    return Therapy.objects.filter(slug=slug).first() if slug else None


def visible_item(user: Any, pk: int) -> EvidenceNote:
    """Return item ``pk`` if ``user`` may see it; else 404, so unpublished ids do not leak."""
    note = items_visible_to(user).with_people().filter(pk=pk).first()
    if note is None:
        raise Http404("No such evidence item.")
    return note


def citations_of(note: EvidenceNote) -> list[Citation]:
    """Return the item's citations with what the page shows of each paper."""
    return list(
        note.citations.select_related("paper__journal")
        .defer("paper__search_vector")
        .prefetch_related(
            Prefetch(
                "paper__authorships",
                queryset=Authorship.objects.select_related("author").order_by("position"),
            )
        )
        .order_by("position", "pk")
    )


def papers_for_citations(paper_ids: list[int]) -> dict[int, Paper]:
    """Return {id: paper} with what a citation row shows (title, first author, flags)."""
    return (
        Paper.objects.with_listing().defer("search_vector").in_bulk([pk for pk in paper_ids if pk])
    )


# --- versions ------------------------------------------------------------------------------


def history_rows(note: EvidenceNote, user: Any) -> list:
    """Return the item's history, newest first: every save for curators, else published ones."""
    rows = note.history.select_related("history_user", "therapy").order_by(
        "-history_date", "-history_id"
    )
    if not can_curate(user):
        rows = rows.filter(status__in=[Status.PUBLISHED, Status.RETIRED], published_version__gte=1)
    return list(rows)


def published_version(note: EvidenceNote, number: int):
    """Return the history row holding published version ``number`` of the item, or 404."""
    row = (
        note.history.filter(status=Status.PUBLISHED, published_version=number)
        .select_related("history_user", "therapy", "published_by", "author", "last_changed_by")
        .order_by("history_date", "history_id")
        .first()
    )
    if row is None:
        raise Http404("No such version.")
    return row


@dataclass
class RecordedCitation:
    paper: Paper
    quote: str
    quote_section: str


def recorded_citations(row: Any) -> list[RecordedCitation]:
    """Return the citations a version recorded, with the papers as they are now."""
    record = row.citation_record or []
    papers = papers_for_citations([int(entry["paper_id"]) for entry in record])
    return [
        RecordedCitation(papers[int(e["paper_id"])], e.get("quote", ""), e.get("quote_section", ""))
        for e in record
        if int(e["paper_id"]) in papers
    ]


def pending_revision(note: EvidenceNote) -> EvidenceNote | None:
    return note.revisions.select_related("author", "last_changed_by", "submitted_by").first()


# --- the queue -----------------------------------------------------------------------------


@dataclass
class Queue:
    awaiting_review: list[EvidenceNote]
    sent_back: list[EvidenceNote]
    my_drafts: list[EvidenceNote]
    my_submissions: list[EvidenceNote]
    flagged: list[EvidenceNote]
    unidentified_references: list[Reference]
    unidentified_count: int
    recent: list[EvidenceEvent]


def curator_queue(user: Any) -> Queue:
    """Return what ``user`` has to act on, each list capped at QUEUE_LENGTH."""
    items = EvidenceNote.objects.with_people().order_by("-updated_at", "-pk")
    awaiting = (
        list(items.filter(status=Status.SUBMITTED).exclude(submitted_by=user)[:QUEUE_LENGTH])
        if can_publish(user)
        else []
    )
    sent_back = items.filter(status=Status.DRAFT).exclude(review_comment="")
    sent_back = sent_back.filter(Q(submitted_by=user) | Q(author=user, submitted_by__isnull=True))
    drafts = items.filter(status=Status.DRAFT, review_comment="").filter(
        Q(author=user) | Q(last_changed_by=user)
    )
    unidentified = Reference.objects.filter(
        Q(paper__isnull=True) | ~Q(paper__fetch_state=Paper.FetchState.FETCHED)
    )
    return Queue(
        awaiting_review=awaiting,
        sent_back=list(sent_back[:QUEUE_LENGTH]),
        my_drafts=list(drafts[:QUEUE_LENGTH]),
        my_submissions=list(
            items.filter(status=Status.SUBMITTED, submitted_by=user)[:QUEUE_LENGTH]
        ),
        flagged=list(items.filter(needs_review=True).exclude(status=Status.RETIRED)[:QUEUE_LENGTH]),
        unidentified_references=list(
            unidentified.select_related("review", "paper").order_by("review_id", "position")[
                :QUEUE_LENGTH
            ]
        ),
        unidentified_count=unidentified.count(),
        recent=list(activity(user)[:10]),
    )


# --- activity ------------------------------------------------------------------------------


def activity(user: Any, therapy: Therapy | None = None) -> QuerySet:
    """Return the events ``user`` may see, newest first: all for curators, else public ones."""
    events = EvidenceEvent.objects.select_related("actor", "note", "therapy").order_by(
        "-created_at", "-pk"
    )
    if not can_curate(user):
        events = events.filter(public=True)
    if therapy is not None:
        events = events.filter(therapy=therapy)
    return events


# --- the paper picker ----------------------------------------------------------------------


def picker_results(query: str) -> list[Paper]:
    """Return papers matching a PMID, a DOI, title words or an author's last name.

    Words match as typed so far: the last one is a prefix ("alemtu" finds alemtuzumab).
    """
    text = (query or "").strip()
    if not text:
        return []
    try:
        identifier = parse_identifier(text)
    except IdentifierError:
        identifier = None
    if identifier is not None and identifier.kind == "pmid":
        condition = Q(pmid=identifier.value)
    elif identifier is not None:
        # Lower(doi) is what the unique index holds; iexact would read every row.
        by_doi = Paper.objects.annotate(doi_lower=Lower("doi")).filter(
            doi_lower=str(identifier.value).lower()
        )
        condition = Q(pk__in=by_doi.values("pk"))
    else:
        words = _WORD.findall(text.lower())
        if not words:
            return []
        # Titles and author names are in the search vector (weights A and B), which has an
        # index; a surname is also looked up on its own index, for names stemming would bend.
        raw = " & ".join([*words[:-1], f"{words[-1]}:*"])
        matching = Paper.objects.filter(
            search_vector=SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
        ).values("pk")
        authors = Author.objects.annotate(last=Lower("last_name")).filter(last=text.lower())
        by_author = Authorship.objects.filter(author__in=authors).values("paper_id")
        condition = Q(pk__in=matching.union(by_author))
    papers = Paper.objects.with_listing().without_large_fields().filter(condition)
    return list(papers.order_by("-pub_date_sort", "-pmid", "-pk")[:PICKER_RESULTS])
