"""Curated evidence notes: a claim about a therapy and the papers behind it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class EvidenceNoteQuerySet(models.QuerySet):
    def published(self) -> EvidenceNoteQuerySet:
        return self.filter(status=EvidenceNote.Status.PUBLISHED)


class EvidenceNote(models.Model):
    class NoteType(models.TextChoices):
        EFFICACY = "efficacy", "efficacy"
        DURABILITY = "durability", "durable remission"
        RECONSTITUTION = "reconstitution", "immune reconstitution"
        MECHANISM = "mechanism", "mechanism"
        SAFETY = "safety", "safety"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        IN_REVIEW = "in_review", "in review"
        PUBLISHED = "published", "published"
        RETIRED = "retired", "retired"

    therapy = models.ForeignKey(
        "papers.Therapy", on_delete=models.CASCADE, related_name="evidence_notes"
    )
    papers = models.ManyToManyField("papers.Paper", related_name="evidence_notes")
    statement = models.TextField()
    note_type = models.CharField(max_length=20, choices=NoteType.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence_notes",
    )
    # Stable identity for the bundled dataset, so loading it twice updates rather than duplicates.
    dataset_key = models.CharField(max_length=80, unique=True, null=True, blank=True)
    # Raised by the pipeline when a cited paper gets a retraction, erratum or expression of
    # concern; a curator clears it after reviewing the note.
    needs_review = models.BooleanField(default=False, db_index=True)
    review_reason = models.TextField(blank=True)
    # Optimistic locking: a save must name the version it edited, so two curators saving the
    # same note cannot silently overwrite each other.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = EvidenceNoteQuerySet.as_manager()

    class Meta:
        ordering = ["therapy", "note_type", "pk"]
        # Editors hold this (papers/roles.py); curators do not: two-person review.
        permissions = [("publish_evidencenote", "Can publish, send back or retire evidence")]

    def __str__(self) -> str:
        return f"{self.therapy}: {self.statement[:80]}"
