"""Curated evidence items: a structured claim about a therapy, the papers behind it, and quotes.

An item's public row keeps its published content. A curator's edit of a published item is a
separate row (``revision_of`` the item) with its own draft/submitted status and citations;
accepting it copies it onto the public row as a new version. So everything readers see (the
therapy, compare and paper pages, search, exports) reads ``status = published`` rows and never
meets work in progress.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

STATEMENT_MAX_LENGTH = 5000


class EvidenceNoteQuerySet(models.QuerySet):
    def published(self) -> EvidenceNoteQuerySet:
        return self.filter(status=EvidenceNote.Status.PUBLISHED)

    def public(self) -> EvidenceNoteQuerySet:
        """Return items readers may open: published, or retired after being published."""
        return self.filter(
            revision_of__isnull=True,
            status__in=[EvidenceNote.Status.PUBLISHED, EvidenceNote.Status.RETIRED],
        )

    def with_people(self) -> EvidenceNoteQuerySet:
        """Return items with their therapy and the users shown next to them."""
        return self.select_related(
            "therapy", "author", "last_changed_by", "submitted_by", "published_by"
        )


class EvidenceNote(models.Model):
    class NoteType(models.TextChoices):
        EFFICACY = "efficacy", "efficacy"
        DURABILITY = "durability", "durable remission"
        RECONSTITUTION = "reconstitution", "immune reconstitution"
        MECHANISM = "mechanism", "mechanism"
        SAFETY = "safety", "safety"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        SUBMITTED = "submitted", "submitted for review"
        PUBLISHED = "published", "published"
        RETIRED = "retired", "retired"

    class StudyDesign(models.TextChoices):
        RCT = "rct", "randomised controlled trial"
        OPEN_LABEL_EXTENSION = "ole", "open-label extension"
        COHORT = "cohort", "observational cohort"
        REGISTRY = "registry", "registry"
        CASE_SERIES = "case_series", "case series"
        LABORATORY = "laboratory", "laboratory or translational"
        META_ANALYSIS = "meta_analysis", "systematic review or meta-analysis"
        NARRATIVE_REVIEW = "narrative_review", "narrative review or expert opinion"

    class Direction(models.TextChoices):
        SUPPORTS = "supports", "supports"
        DOES_NOT_SUPPORT = "does_not_support", "does not support"
        MIXED = "mixed", "mixed"

    class Phenotype(models.TextChoices):
        CIS = "cis", "clinically isolated syndrome"
        RRMS = "rrms", "relapsing-remitting MS"
        RMS = "rms", "relapsing MS"
        SPMS = "spms", "secondary progressive MS"
        PPMS = "ppms", "primary progressive MS"
        MIXED = "mixed", "several phenotypes"

    class FollowUpUnit(models.TextChoices):
        WEEKS = "weeks", "weeks"
        MONTHS = "months", "months"
        YEARS = "years", "years"

    therapy = models.ForeignKey(
        "papers.Therapy", on_delete=models.CASCADE, related_name="evidence_notes"
    )
    # Through Citation, which keeps the table and column names of the former plain many-to-many
    # (papers_evidencenote_papers.evidencenote_id): readers and the search index query it as is.
    papers = models.ManyToManyField(
        "papers.Paper", through="papers.Citation", related_name="evidence_notes"
    )
    statement = models.TextField(help_text="Markdown.")
    note_type = models.CharField("evidence type", max_length=20, choices=NoteType.choices)
    study_design = models.CharField(max_length=20, choices=StudyDesign.choices, blank=True)
    direction = models.CharField(
        max_length=20,
        choices=Direction.choices,
        blank=True,
        help_text="Whether the cited evidence supports a benefit of the therapy for this "
        "evidence type.",
    )
    # The MS population studied. Empty means not recorded, never "none".
    population_phenotype = models.CharField(
        "MS phenotype", max_length=10, choices=Phenotype.choices, blank=True
    )
    population_size = models.PositiveIntegerField("number of patients", null=True, blank=True)
    follow_up_value = models.DecimalField(
        "follow-up", max_digits=6, decimal_places=1, null=True, blank=True
    )
    follow_up_unit = models.CharField(max_length=6, choices=FollowUpUnit.choices, blank=True)
    # An optional quantitative outcome: "hazard ratio for disease progression 0.07 vs DMT
    # (95% CI 0.02 to 0.24)".
    outcome_measure = models.CharField(max_length=200, blank=True)
    outcome_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    outcome_comparator = models.CharField(max_length=200, blank=True)
    outcome_ci_low = models.DecimalField(
        "95% CI lower bound", max_digits=14, decimal_places=4, null=True, blank=True
    )
    outcome_ci_high = models.DecimalField(
        "95% CI upper bound", max_digits=14, decimal_places=4, null=True, blank=True
    )
    # The citations as they stood at this version (paper ids, identifiers, quotes, sections).
    # django-simple-history versions one row, not its related rows; a copy on the row makes
    # every version carry its citations, so a diff or a revert reads one history row.
    citation_record = models.JSONField(default=list, blank=True, editable=False)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # A pending edit of a published item: its own row, copied onto the item when accepted.
    revision_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    # How many times this item has been published (first publication and each accepted
    # revision): /notes/<id>/v/<n>/ shows version n.
    published_version = models.PositiveIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence_notes",
        verbose_name="added by",
    )
    last_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # The editor's comment when sending an item back (shown to the curator), or why it retired.
    review_comment = models.TextField(blank=True)
    # Stable identity for the bundled dataset, so loading it twice updates rather than duplicates.
    dataset_key = models.CharField(max_length=80, unique=True, null=True, blank=True)
    # Raised by the pipeline when a cited paper gets a retraction, erratum or expression of
    # concern, or its abstract no longer holds a quote; a curator clears it after checking.
    needs_review = models.BooleanField(default=False, db_index=True)
    review_reason = models.TextField(blank=True)
    # Optimistic locking: a save must name the version it edited, so two curators saving the
    # same item cannot silently overwrite each other.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = EvidenceNoteQuerySet.as_manager()

    class Meta:
        ordering = ["therapy", "note_type", "pk"]
        # Editors hold this (papers/roles.py); curators do not: two-person review.
        permissions = [("publish_evidencenote", "Can publish, send back or retire evidence")]
        constraints = [
            # One pending revision per published item: a second edit edits that revision.
            models.UniqueConstraint(
                fields=["revision_of"],
                condition=models.Q(revision_of__isnull=False),
                name="evidencenote_one_pending_revision",
            ),
            models.CheckConstraint(
                condition=models.Q(revision_of__isnull=True)
                | models.Q(status__in=["draft", "submitted"]),
                name="evidencenote_revision_unpublished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.therapy}: {self.statement[:80]}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("curation:note-detail", kwargs={"pk": self.pk})

    @property
    def public_item_id(self) -> int:
        """Return the id of the item readers know: the revised item's, for a revision."""
        return self.revision_of_id or self.pk

    @property
    def is_revision(self) -> bool:
        return self.revision_of_id is not None

    def citation_snapshot(self) -> list[dict]:
        """Return the item's stored citations as ``citation_record`` keeps them."""
        citations = self.citations.select_related("paper").order_by("position", "pk")
        return citation_record([(c.paper, c.quote, c.quote_section) for c in citations])

    @property
    def follow_up_display(self) -> str:
        if self.follow_up_value is None:
            return ""
        value = f"{self.follow_up_value:f}".rstrip("0").rstrip(".")
        return f"{value} {self.follow_up_unit}".strip()


def citation_record(citations) -> list[dict]:
    """Return [(paper, quote, section), ...] as ``EvidenceNote.citation_record`` keeps them."""
    return [
        {
            "paper_id": paper.pk,
            "pmid": paper.pmid,
            "doi": paper.doi or "",
            "quote": quote,
            "quote_section": section,
        }
        for paper, quote, section in citations
    ]


class Citation(models.Model):
    """One paper an evidence item cites, with an optional supporting quote from it."""

    # Named like the auto-created through model's column (see EvidenceNote.papers).
    evidencenote = models.ForeignKey(
        EvidenceNote, on_delete=models.CASCADE, related_name="citations"
    )
    # PROTECT: curated evidence must not lose a citation because a paper row was deleted; a
    # duplicate is merged (links moved) before it goes.
    paper = models.ForeignKey("papers.Paper", on_delete=models.PROTECT, related_name="citations")
    position = models.PositiveSmallIntegerField(default=0)
    # Text copied from the paper's title or abstract; checked against it on save and on every
    # refresh that changes the paper (papers/quotes.py).
    quote = models.TextField(blank=True)
    # Where the quote was found: "TITLE", or the abstract section's label ("RESULTS", ...).
    quote_section = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "papers_evidencenote_papers"
        ordering = ["evidencenote", "position", "pk"]
        unique_together = [("evidencenote", "paper")]

    def __str__(self) -> str:
        return f"{self.evidencenote_id} cites {self.paper_id}"

    @property
    def note(self) -> EvidenceNote:
        return self.evidencenote


class EvidenceEvent(models.Model):
    """One thing someone did to an evidence item: the activity feed.

    Written by the workflow (curation/workflow.py) and the pipeline's flags, so the feed is one
    indexed read instead of a walk through every item's history.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "created"
        EDITED = "edited", "edited"
        SUBMITTED = "submitted", "submitted for review"
        SENT_BACK = "sent_back", "sent back"
        PUBLISHED = "published", "published"
        REVISION_STARTED = "revision_started", "started a revision of"
        REVISION_ACCEPTED = "revision_accepted", "published a revision of"
        REVERTED = "reverted", "reverted"
        RETIRED = "retired", "retired"
        FLAGGED = "flagged", "flagged for review"
        CHECKED_KEPT = "checked_kept", "checked and kept"
        CHECKED_CHANGED = "checked_changed", "checked and changed"

    # The item readers know (a revision's events point at the item it revises).
    note = models.ForeignKey(EvidenceNote, on_delete=models.CASCADE, related_name="events")
    # Denormalised so each therapy's feed is one index range.
    therapy = models.ForeignKey("papers.Therapy", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    comment = models.TextField(blank=True)
    # Readers see events about published content only; decided when the event is written.
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["public", "-created_at"], name="evidenceevent_public_recent"),
            models.Index(fields=["therapy", "-created_at"], name="evidenceevent_therapy_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.note_id}"
