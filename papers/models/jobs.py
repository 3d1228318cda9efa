"""PubMed refresh jobs: one row per run, so admins can see what happened."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class RefreshJob(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", "import identifiers"
        REFRESH = "refresh", "refresh papers"
        REFRESH_ALL = "refresh_all", "refresh everything"
        IMPORT_REVIEW = "import_review", "import a review and its references"

    class Trigger(models.TextChoices):
        ADMIN = "admin", "admin action"
        COMMAND = "command", "management command"
        SCHEDULE = "schedule", "schedule"
        CURATOR = "curator", "curator workspace"
        STAFF = "staff", "staff pages"

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        PARTIAL = "partial", "finished with errors"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    # What was asked for: {"pmids": [int, ...], "dois": [str, ...]}, plus "all": true,
    # "stale_days": N or "scheduled_for": "2025-W03" for those selections; once the job starts,
    # "frozen_pmids": the PMID list it walks in batches (see papers.refresh._freeze_pmids).
    identifiers = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    not_found_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    # {"<PMID or DOI>": "<reason>"} for every identifier that failed or was not found, and
    # "_job" / "_queue" for a job that crashed or could not be queued.
    errors = models.JSONField(default=dict, blank=True)
    # Progress that must survive a worker dying mid-job: "frozen": true once the PMID list is
    # frozen, "batches_done": [0, 1, ...] (written in the same transaction as each batch) and,
    # for a review import, "review_done": true.
    checkpoint = models.JSONField(default=dict, blank=True)
    celery_task_id = models.CharField(max_length=255, blank=True)
    # The scheduled run this job is ("2026-W03" for the weekly refresh), unique in the database:
    # two beat messages for one week (a doubled or redelivered message, two beats by mistake)
    # make one job, whatever their timing. Empty (NULL) for jobs nobody scheduled.
    schedule_key = models.CharField(max_length=20, null=True, blank=True, unique=True)
    # Set by "cancel" on a running job; the worker looks at it between batches and stops.
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    # The job whose failed identifiers this one retries ("retry the failed identifiers").
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("staff:job-detail", args=[self.pk])

    @property
    def pmids(self) -> list[int]:
        return list(self.identifiers.get("pmids", []))

    @property
    def dois(self) -> list[str]:
        return list(self.identifiers.get("dois", []))

    @property
    def is_finished(self) -> bool:
        return self.status in (
            self.Status.SUCCEEDED,
            self.Status.PARTIAL,
            self.Status.FAILED,
            self.Status.CANCELLED,
        )

    @property
    def progress_percent(self) -> int:
        """Return how much of the job is done, 0 to 100 (never more, whatever the counts say)."""
        if self.is_finished and self.status != self.Status.CANCELLED:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def elapsed_seconds(self) -> float | None:
        """Return the seconds from start to finish, or to now while the job runs."""
        if not self.started_at:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()
