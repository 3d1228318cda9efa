"""PubMed refresh jobs: one row per run, so admins can see what happened, and one row per
batch of PMIDs the run fetches and stores, so any number of workers can share a job."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone


class OutcomeCounts(models.Model):
    """What a job, or one batch of it, did with its identifiers; a job's are its batches' sums
    (plus what its planning settled, such as DOIs PubMed lacks)."""

    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    not_found_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class RefreshJob(OutcomeCounts):
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
    # What was asked for, written once: {"pmids": [int, ...], "dois": [str, ...]}, plus
    # "all": true, "stale_days": N or "scheduled_for": "2025-W03" for those selections. The
    # PMIDs the job walks are in its RefreshBatch rows once it is planned.
    identifiers = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Written while planning, never per batch: {"<DOI or PMID>": "<reason>"} for identifiers
    # that failed or were not found before any batch (DOIs PubMed lacks, rows written around
    # the forms), and "_job" / "_queue" for a job that crashed or could not be queued. What a
    # batch's PMIDs did is on the batch (RefreshBatch.errors); identifier_errors() has both.
    errors = models.JSONField(default=dict, blank=True)
    # A review import has stored the review and added its references to ``identifiers``.
    review_done = models.BooleanField(default=False)
    # The PMID list is split into RefreshBatch rows; a redelivered job walks the same batches.
    planned_at = models.DateTimeField(null=True, blank=True)
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

    def identifier_errors(self, *, limit: int | None = None) -> dict[str, str]:
        """Return {identifier: reason} for everything that failed or was not found: the job's
        own (planning, "_job", "_queue") first, then each batch's, in batch order."""
        merged = dict(self.errors)
        prefetched = getattr(self, "error_batches", None)  # see papers.api.views
        batches: Iterable[dict[str, str]]
        if prefetched is not None:
            batches = [b.errors for b in sorted(prefetched, key=lambda b: b.index)]
        else:
            batches = (
                self.batches.exclude(errors={}).order_by("index").values_list("errors", flat=True)
            ).iterator(chunk_size=100)
        for errors in batches:
            merged.update(errors)
            if limit is not None and len(merged) >= limit:
                break
        return merged if limit is None else dict(list(merged.items())[:limit])

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


class RefreshBatch(OutcomeCounts):
    """Up to REFRESH_BATCH_SIZE PMIDs of one job: fetched with one efetch, stored in one
    transaction, by whichever worker takes it (papers.tasks.fetch_batch_task).

    Its counts are what this batch did; the job's counts are the sums, added in the same
    transaction that marks the batch done, so a batch is counted once however often its
    message is delivered.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "planned"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    job = models.ForeignKey(RefreshJob, on_delete=models.CASCADE, related_name="batches")
    index = models.PositiveIntegerField()
    pmids = ArrayField(models.PositiveBigIntegerField())
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    # The Celery task id of the one message allowed to run this batch: a redelivery of that
    # message may (it is the same task), a stray copy from an earlier dispatch may not.
    task_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=255, blank=True)  # the host that last took it
    # {"<PMID>": "<reason>"} for this batch's PMIDs that failed or were not found (<= 200).
    errors = models.JSONField(default=dict, blank=True)
    # The PMIDs worth asking PubMed for again (failed, not "not found"): the next refresh of
    # everything and "retry failed" read them here, also for PMIDs that have no paper row.
    failed_pmids = ArrayField(models.PositiveBigIntegerField(), default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="refreshbatch_job_index"),
        ]
        indexes = [
            models.Index(fields=["job", "status"], name="refreshbatch_job_status"),
            models.Index(
                fields=["finished_at"],
                name="refreshbatch_has_failed",
                condition=~models.Q(failed_pmids=[]),
            ),
        ]

    def __str__(self) -> str:
        return f"batch {self.index} of job #{self.job_id} ({self.status})"

    @property
    def size(self) -> int:
        return len(self.pmids)
