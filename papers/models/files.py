"""PubMed baseline and update files imported from disk: one row per file (by its SHA-256).

The row is how a re-run knows what to skip and where to resume: each committed batch moves
``position`` forward in the same transaction as the papers it stored.
"""

from __future__ import annotations

from django.db import models

# Record errors kept per file: enough to act on, bounded so a broken file cannot grow a row.
MAX_STORED_ERRORS = 1000


class ImportedFile(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "running (or interrupted)"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    # The same bytes under another name (a copy, a re-download) are the same file.
    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    name = models.CharField(max_length=255)
    path = models.TextField(help_text="Where the file was read from the last time.")
    size = models.PositiveBigIntegerField(help_text="Bytes on disk (compressed if .gz).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    # Items (PubmedArticle, PubmedBookArticle, DeleteCitation) stored so far, in file order.
    position = models.PositiveIntegerField(default=0)
    last_pmid = models.PositiveBigIntegerField("last PMID stored", null=True, blank=True)
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    deleted_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    # [{"pmid": int | null, "reason": str}, ...], at most MAX_STORED_ERRORS of them.
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True, help_text="Why the file failed as a whole.")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()}, {self.position} items)"
