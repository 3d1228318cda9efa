"""The review workflow of evidence items: every change an item goes through, one function each.

draft -> submitted -> published -> retired, and submitted -> draft with a comment ("send
back"). Curators create, edit and submit; editors publish, send back and retire; nobody
publishes their own submission. Editing a published item starts a revision (its own row,
``revision_of`` the item) that readers do not see until an editor publishes it, which copies
it onto the item as a new published version.

Each function is one transaction that locks the item, checks who may do it and from which
state, writes the item (django-simple-history records who, when and why) and an activity
event. Views call exactly one of these; they never write items themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from papers.models import Citation, EvidenceEvent, EvidenceNote, Paper
from papers.models.evidence import STATEMENT_MAX_LENGTH, citation_record
from papers.quotes import locate_quote
from papers.roles import can_curate, can_publish
from papers.search.index import update_search_vectors

Status = EvidenceNote.Status
Kind = EvidenceEvent.Kind

# What a curator writes; everything else on an item is workflow state.
CONTENT_FIELDS = (
    "therapy",
    "note_type",
    "statement",
    "study_design",
    "direction",
    "population_phenotype",
    "population_size",
    "follow_up_value",
    "follow_up_unit",
    "outcome_measure",
    "outcome_value",
    "outcome_comparator",
    "outcome_ci_low",
    "outcome_ci_high",
)
# Events readers may see, once the item they concern is public.
PUBLIC_KINDS = {
    Kind.PUBLISHED,
    Kind.REVISION_ACCEPTED,
    Kind.RETIRED,
    Kind.FLAGGED,
    Kind.CHECKED_KEPT,
    Kind.CHECKED_CHANGED,
}
# django-simple-history keeps at most this many characters of a change reason.
REASON_LENGTH = 100


class WorkflowError(Exception):
    """The item is not in a state that allows this (e.g. publishing a draft)."""


class ContentError(Exception):
    """The content cannot be saved; ``errors`` maps a field (or "citations") to messages."""

    def __init__(self, errors: dict[str, list[str]], citation_errors: dict[int, str]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors
        self.citation_errors = citation_errors


class EditConflict(Exception):
    """Someone saved the item after the curator opened it; ``current`` is what they saved."""

    def __init__(self, current: EvidenceNote):
        super().__init__(f"item {current.pk} is now at version {current.version}")
        self.current = current


@dataclass(frozen=True)
class CitationInput:
    paper_id: int
    quote: str = ""


@dataclass
class ItemContent:
    """What a curator wrote: the content fields and the cited papers with their quotes."""

    values: dict[str, Any]
    citations: list[CitationInput] = field(default_factory=list)

    @classmethod
    def of(cls, note: Any) -> ItemContent:
        """Return the content of an item or of one of its history rows."""
        values = {name: getattr(note, name) for name in CONTENT_FIELDS}
        if isinstance(note, EvidenceNote) and note.pk:
            citations = [
                CitationInput(c.paper_id, c.quote)
                for c in note.citations.order_by("position", "pk")
            ]
        else:
            citations = [
                CitationInput(int(c["paper_id"]), c.get("quote", ""))
                for c in note.citation_record or []
            ]
        return cls(values=values, citations=citations)

    def comparable(self) -> tuple:
        values = tuple(
            (name, _pk(value) if name == "therapy" else value)
            for name, value in sorted(self.values.items())
        )
        return values, tuple(self.citations)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


# --- checks ----------------------------------------------------------------------------------


def citation_problems(
    citations: Sequence[CitationInput], *, for_submission: bool = False
) -> dict[int, str]:
    """Return {paper id: what is wrong} for citations that cannot be saved (or submitted).

    A paper PubMed does not know can never be cited; one still being fetched (or whose fetch
    failed) may sit in a draft, but not in a submitted item. A quote must occur in its fetched
    paper; a quote on a paper not yet fetched is checked when it arrives and on submission.
    """
    papers = Paper.objects.defer("search_vector").in_bulk([c.paper_id for c in citations])
    problems: dict[int, str] = {}
    seen: set[int] = set()
    for citation in citations:
        paper = papers.get(citation.paper_id)
        if paper is None:
            problems[citation.paper_id] = "This paper is not in irtkb."
            continue
        label = paper_label(paper)
        if citation.paper_id in seen:
            problems[citation.paper_id] = f"{label} is cited twice; keep one citation."
        seen.add(citation.paper_id)
        if paper.fetch_state == Paper.FetchState.NOT_FOUND:
            problems[paper.pk] = (
                f"{label} was not found in PubMed. Remove this citation or check the identifier."
            )
        elif for_submission and paper.fetch_state == Paper.FetchState.PENDING:
            problems[paper.pk] = f"{label} is still being fetched; submit once it has arrived."
        elif for_submission and paper.fetch_state == Paper.FetchState.FAILED:
            problems[paper.pk] = (
                f"Fetching {label} failed; add it again to retry, or remove the citation."
            )
        elif (
            citation.quote
            and paper.fetch_state == Paper.FetchState.FETCHED
            and locate_quote(paper, citation.quote) is None
        ):
            problems[paper.pk] = (
                f"This quote is not in the title or abstract of {label}. Copy the words exactly "
                "as the paper has them (case, spacing and markup do not matter)."
            )
    return problems


def content_errors(content: ItemContent) -> dict[str, list[str]]:
    """Return {field: [messages]} for content that breaks the rules forms also check."""
    errors: dict[str, list[str]] = {}
    statement = content.values.get("statement") or ""
    if not statement.strip():
        errors["statement"] = ["Write the statement: what the cited papers show."]
    elif len(statement) > STATEMENT_MAX_LENGTH:
        errors["statement"] = [
            f"The statement has {len(statement):,} characters; the limit is "
            f"{STATEMENT_MAX_LENGTH:,}."
        ]
    if not content.values.get("therapy"):
        errors["therapy"] = ["Choose the therapy this item is about."]
    if not content.values.get("note_type"):
        errors["note_type"] = ["Choose the evidence type."]
    return errors


def paper_label(paper: Paper) -> str:
    """Return how messages name a paper: "PMID 123", "doi:10.1/x" or "paper 5"."""
    if paper.pmid:
        return f"PMID {paper.pmid}"
    return f"doi:{paper.doi}" if paper.doi else f"paper {paper.pk}"


def _check_content(content: ItemContent) -> None:
    errors = content_errors(content)
    problems = citation_problems(content.citations)
    if problems:
        errors["citations"] = list(problems.values())
    if errors:
        raise ContentError(errors, problems)


# --- permissions and locking -----------------------------------------------------------------


def _require_curator(user: Any) -> None:
    if not can_curate(user):
        raise PermissionDenied("Only curators may write evidence items.")


def _require_editor(user: Any) -> None:
    if not can_publish(user):
        raise PermissionDenied("Only editors may publish, send back or retire evidence items.")


def _lock(item: EvidenceNote) -> EvidenceNote:
    return EvidenceNote.objects.select_for_update().get(pk=item.pk)


def _expect_version(note: EvidenceNote, expected: int | None) -> None:
    if expected is not None and note.version != expected:
        raise WorkflowError(
            f"This item was changed after you opened it (it is now version {note.version}). "
            "Look at it again before you act on it."
        )


def _expect_status(note: EvidenceNote, *allowed: str, action: str) -> None:
    if note.status not in allowed:
        raise WorkflowError(f"A {note.get_status_display()} item cannot be {action}.")


def _save(note: EvidenceNote, *, user: Any, reason: str) -> None:
    note._history_user = user
    note._change_reason = reason[:REASON_LENGTH]
    note.save()


def _event(note: EvidenceNote, *, user: Any, kind: str, comment: str = "") -> EvidenceEvent:
    """Write the activity entry; readers see it when it concerns public content."""
    item = note.revision_of if note.revision_of_id else note
    return EvidenceEvent.objects.create(
        note=item,
        therapy_id=note.therapy_id,
        actor=user if getattr(user, "is_authenticated", False) else None,
        kind=kind,
        comment=comment,
        # Work on a revision stays private until the revision is published.
        public=kind in PUBLIC_KINDS
        and not note.revision_of_id
        and item.status in (Status.PUBLISHED, Status.RETIRED),
    )


def _write_content(note: EvidenceNote, content: ItemContent) -> None:
    """Set the content fields and the citation record (the rows follow once ``note`` is saved)."""
    for name in CONTENT_FIELDS:
        setattr(note, name, content.values.get(name))
    papers = Paper.objects.defer("search_vector").in_bulk([c.paper_id for c in content.citations])
    rows = []
    for citation in content.citations:
        paper = papers[citation.paper_id]
        section = ""
        if citation.quote and paper.fetch_state == Paper.FetchState.FETCHED:
            section = locate_quote(paper, citation.quote) or ""
        rows.append((paper, citation.quote, section))
    note.citation_record = citation_record(rows)


def _write_citations(note: EvidenceNote) -> None:
    """Make the item's Citation rows match its citation record."""
    note.citations.all().delete()
    Citation.objects.bulk_create(
        Citation(
            evidencenote=note,
            paper_id=row["paper_id"],
            position=position,
            quote=row["quote"],
            quote_section=row["quote_section"],
        )
        for position, row in enumerate(note.citation_record, start=1)
    )


# --- writing ---------------------------------------------------------------------------------


@transaction.atomic
def create_item(*, user: Any, content: ItemContent) -> EvidenceNote:
    """Create a draft item written by ``user``."""
    _require_curator(user)
    _check_content(content)
    note = EvidenceNote(status=Status.DRAFT, author=user, last_changed_by=user)
    _write_content(note, content)
    _save(note, user=user, reason="created")
    _write_citations(note)
    _event(note, user=user, kind=Kind.CREATED)
    return note


@transaction.atomic
def save_item(
    *,
    item: EvidenceNote,
    user: Any,
    content: ItemContent,
    base_version: int,
    reverted_from: str = "",
) -> EvidenceNote:
    """Save ``content`` over ``item`` as edited from ``base_version``; return the row written.

    A published item is not changed: its pending revision is created (and returned). Raise
    EditConflict when someone saved the item (or started its revision) after ``base_version``,
    so nobody's edit is silently overwritten. ``reverted_from`` names the version restored.
    """
    _require_curator(user)
    _check_content(content)
    note = _lock(item)
    if note.version != base_version:
        raise EditConflict(current=note)
    if note.status == Status.RETIRED:
        raise WorkflowError("A retired item cannot be edited.")
    kind = Kind.REVERTED if reverted_from else Kind.EDITED
    if note.status == Status.PUBLISHED:
        pending = note.revisions.select_for_update().first()
        if pending is not None:
            raise EditConflict(current=pending)
        if ItemContent.of(note).comparable() == content.comparable():
            return note
        revision = EvidenceNote(
            revision_of=note, status=Status.DRAFT, author=user, last_changed_by=user
        )
        _write_content(revision, content)
        reason = f"revision of #{note.pk}" + (f", {reverted_from}" if reverted_from else "")
        _save(revision, user=user, reason=reason)
        _write_citations(revision)
        _event(revision, user=user, kind=Kind.REVISION_STARTED, comment=reverted_from)
        return revision
    if ItemContent.of(note).comparable() == content.comparable():
        return note
    was_submitted = note.status == Status.SUBMITTED
    _write_content(note, content)
    note.status = Status.DRAFT
    note.version += 1
    note.last_changed_by = user
    reason = reverted_from or "edited"
    _save(note, user=user, reason=reason + (" (back to draft)" if was_submitted else ""))
    _write_citations(note)
    comment = reverted_from
    if was_submitted:
        comment = "\n".join(filter(None, [comment, "Edited while submitted: back to draft."]))
    _event(note, user=user, kind=kind, comment=comment)
    return note


# --- review ----------------------------------------------------------------------------------


def _check_ready(note: EvidenceNote) -> None:
    """Refuse items that must not reach readers: uncited, unfetched papers, bad quotes, flags."""
    citations = [CitationInput(c.paper_id, c.quote) for c in note.citations.all()]
    if not citations:
        raise WorkflowError("Cite at least one paper before submitting.")
    problems = citation_problems(citations, for_submission=True)
    if problems:
        raise WorkflowError(" ".join(problems.values()))
    if note.needs_review:
        raise WorkflowError(
            "This item is flagged for review; record that it was checked before it moves on."
        )


def _refresh_quote_sections(note: EvidenceNote) -> None:
    """Record where each quote sits now that every cited paper is fetched."""
    changed = []
    for citation in note.citations.select_related("paper"):
        if citation.quote:
            section = locate_quote(citation.paper, citation.quote) or ""
            if section != citation.quote_section:
                citation.quote_section = section
                changed.append(citation)
    if changed:
        Citation.objects.bulk_update(changed, ["quote_section"])
        note.citation_record = note.citation_snapshot()


@transaction.atomic
def submit_item(*, item: EvidenceNote, user: Any, expected_version: int | None = None) -> None:
    """Submit a draft for an editor's review."""
    _require_curator(user)
    note = _lock(item)
    _expect_status(note, Status.DRAFT, action="submitted")
    _expect_version(note, expected_version)
    _check_ready(note)
    _refresh_quote_sections(note)
    note.status = Status.SUBMITTED
    note.submitted_by = user
    note.submitted_at = timezone.now()
    _save(note, user=user, reason="submitted for review")
    _event(note, user=user, kind=Kind.SUBMITTED)


@transaction.atomic
def send_back_item(
    *, item: EvidenceNote, user: Any, comment: str, expected_version: int | None = None
) -> None:
    """Return a submitted item to draft with the editor's comment for its curator."""
    _require_editor(user)
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError("Say what needs to change: sending back needs a comment.")
    note = _lock(item)
    _expect_status(note, Status.SUBMITTED, action="sent back")
    _expect_version(note, expected_version)
    note.status = Status.DRAFT
    note.review_comment = comment
    _save(note, user=user, reason=f"sent back: {comment}")
    _event(note, user=user, kind=Kind.SENT_BACK, comment=comment)


@transaction.atomic
def publish_item(*, item: EvidenceNote, user: Any, expected_version: int | None = None) -> None:
    """Publish a submitted item, or a submitted revision onto the item it revises."""
    _require_editor(user)
    note = _lock(item)
    _expect_status(note, Status.SUBMITTED, action="published")
    _expect_version(note, expected_version)
    if note.submitted_by_id == getattr(user, "pk", None):
        raise PermissionDenied("You submitted this item; another editor must publish it.")
    _check_ready(note)
    now = timezone.now()
    if note.revision_of_id:
        _accept_revision(note, user=user, now=now)
        return
    note.status = Status.PUBLISHED
    note.published_version += 1
    note.published_by = user
    note.published_at = now
    note.review_comment = ""
    _save(note, user=user, reason=f"published as version {note.published_version}")
    _event(note, user=user, kind=Kind.PUBLISHED)
    update_search_vectors(paper_ids=note.citations.values_list("paper_id", flat=True))


def _accept_revision(revision: EvidenceNote, *, user: Any, now) -> None:
    """Copy a revision onto its published item as the item's next version, then drop it."""
    item = EvidenceNote.objects.select_for_update().get(pk=revision.revision_of_id)
    if item.status != Status.PUBLISHED:
        raise WorkflowError("The item this revises is no longer published.")
    before = set(item.citations.values_list("paper_id", flat=True))
    for name in CONTENT_FIELDS:
        setattr(item, name, getattr(revision, name))
    item.citation_record = revision.citation_record
    item.version += 1
    item.published_version += 1
    item.last_changed_by = revision.last_changed_by
    item.submitted_by = revision.submitted_by
    item.submitted_at = revision.submitted_at
    item.published_by = user
    item.published_at = now
    if revision.needs_review:  # a flag raised on the revision stays until someone checks it
        item.needs_review = True
        item.review_reason = "\n".join(filter(None, [item.review_reason, revision.review_reason]))
    _save(item, user=user, reason=f"published revision as version {item.published_version}")
    _write_citations(item)
    revision.delete()
    _event(item, user=user, kind=Kind.REVISION_ACCEPTED)
    update_search_vectors(paper_ids=before | {row["paper_id"] for row in item.citation_record})


@transaction.atomic
def retire_item(
    *, item: EvidenceNote, user: Any, reason: str, expected_version: int | None = None
) -> None:
    """Withdraw a published item from the therapy pages and search, keeping its permalink."""
    _require_editor(user)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Say why the item is retired.")
    note = _lock(item)
    _expect_status(note, Status.PUBLISHED, action="retired")
    _expect_version(note, expected_version)
    note.status = Status.RETIRED
    note.review_comment = reason
    _save(note, user=user, reason=f"retired: {reason}")
    _event(note, user=user, kind=Kind.RETIRED, comment=reason)
    update_search_vectors(paper_ids=note.citations.values_list("paper_id", flat=True))


@transaction.atomic
def resolve_flag(*, item: EvidenceNote, user: Any, changed: bool, reason: str) -> None:
    """Record that a curator checked a flagged item: kept as it is, or changed for the flag."""
    _require_curator(user)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Say what you checked: a flag is cleared with a reason.")
    note = _lock(item)
    if not note.needs_review:
        raise WorkflowError("This item is not flagged.")
    flag = note.review_reason
    note.needs_review = False
    note.review_reason = ""
    verdict = "changed" if changed else "keep"
    _save(note, user=user, reason=f"checked: {verdict}: {reason}")
    _event(
        note,
        user=user,
        kind=Kind.CHECKED_CHANGED if changed else Kind.CHECKED_KEPT,
        comment=f"{flag}\n\n{reason}".strip(),
    )
