"""Literature intake: watched PubMed searches per therapy, their runs, and the triage inbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WatchedSearch(models.Model):
    """A PubMed query run weekly (and on demand) for one therapy; editors keep them."""

    therapy = models.ForeignKey(
        "papers.Therapy", on_delete=models.CASCADE, related_name="watched_searches"
    )
    name = models.SlugField(max_length=80, unique=True, help_text="Used by --search NAME.")
    query = models.CharField(
        max_length=1000, help_text='PubMed syntax, e.g. alemtuzumab AND "multiple sclerosis".'
    )
    # The first run searches from here; each later run from the day its predecessor ended.
    start_date = models.DateField(help_text="Entrez date the first run starts from.")
    active = models.BooleanField(default=True, help_text="Run by the weekly schedule.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["therapy", "name"]
        verbose_name_plural = "watched searches"

    def __str__(self) -> str:
        return f"{self.name}: {self.query}"


class WatchRun(models.Model):
    """One run of a watched search: the window it searched and what came of it."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    search = models.ForeignKey(WatchedSearch, on_delete=models.CASCADE, related_name="runs")
    query = models.CharField(max_length=1000)  # as run: the search's query may be edited later
    mindate = models.DateField()
    maxdate = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices)
    hits = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField("new papers", default=0)
    # [{"mindate": "2024-01-01", "maxdate": "2024-06-30", "count": 812, "webenv": ..., ...}]
    windows = models.JSONField(default=list, blank=True)
    # {"_search": "<reason>"} when the esearch failed; the job's own errors stay on the job.
    errors = models.JSONField(default=dict, blank=True)
    job = models.ForeignKey(
        "papers.RefreshJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(max_length=12)  # a RefreshJob.Trigger value
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.search.name} {self.mindate}..{self.maxdate} ({self.status})"


class IntakeItemQuerySet(models.QuerySet):
    def untriaged(self) -> IntakeItemQuerySet:
        return self.filter(status=IntakeItem.Status.UNTRIAGED)

    def relevant_to(self, therapy) -> IntakeItemQuerySet:
        """Items a curator marked relevant to ``therapy``, newest decision first."""
        return (
            self.filter(status=IntakeItem.Status.RELEVANT, therapies=therapy)
            .select_related("paper__journal")
            .order_by("-triaged_at")
        )

    def for_inbox(self) -> IntakeItemQuerySet:
        """Newest first, with what the inbox shows of each paper in a fixed number of queries."""
        return (
            self.select_related("paper__journal", "search__therapy")
            .prefetch_related("therapies")
            .order_by("-found_at", "-paper__pmid")
        )


class IntakeItem(models.Model):
    """A paper a watched search found, waiting for (or given) a curator's decision."""

    class Status(models.TextChoices):
        UNTRIAGED = "untriaged", "not yet triaged"
        RELEVANT = "relevant", "relevant"
        NOT_RELEVANT = "not_relevant", "not relevant"
        DUPLICATE = "duplicate", "duplicate"

    class Reason(models.TextChoices):
        OFF_TOPIC = "off_topic", "off topic (not about the therapy in MS)"
        NOT_HUMAN = "not_human", "animal or in-vitro study only"
        NOT_RESEARCH = "not_research", "comment, news or erratum"
        LANGUAGE = "language", "not in a language we curate"
        OTHER = "other", "other"

    paper = models.OneToOneField("papers.Paper", on_delete=models.CASCADE, related_name="intake")
    search = models.ForeignKey(WatchedSearch, on_delete=models.CASCADE, related_name="items")
    run = models.ForeignKey(WatchRun, on_delete=models.SET_NULL, null=True, related_name="items")
    found_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.UNTRIAGED, db_index=True
    )
    # Relevant: the therapies it is about, which ties it to them (Paper.objects.tied_to_therapy).
    therapies = models.ManyToManyField("papers.Therapy", blank=True, related_name="intake_items")
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)

    objects = IntakeItemQuerySet.as_manager()

    class Meta:
        ordering = ["-found_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="not_relevant") | ~models.Q(reason=""),
                name="intakeitem_not_relevant_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} ({self.status})"


def awaiting_triage() -> models.Exists:
    """Return an annotation: True for a paper a watched search found that no curator has
    triaged yet, so lists can label it (searchable, not yet vetted)."""
    return models.Exists(
        IntakeItem.objects.filter(
            paper_id=models.OuterRef("pk"), status=IntakeItem.Status.UNTRIAGED
        )
    )
