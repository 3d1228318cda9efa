"""Reads behind the staff pages: the job list, one job's errors, the filtered change log."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import Lower

from curation.identifiers import Identifier
from papers.models import EvidenceNote, PaperChange, RefreshBatch, RefreshJob

ERRORS_SHOWN = 500  # rows of a job's error table; a weekly refresh with NCBI down has thousands

# field and new value of the entries that stand out: PubMed flagged the paper.
NOTICES = {
    "retraction": ("is_retracted", "Retraction"),
    "erratum": ("has_erratum", "Erratum"),
    "concern": ("has_expression_of_concern", "Expression of concern"),
    "withdrawn": ("deleted_from_pubmed", "Withdrawn from PubMed"),
}
NOTICE_BY_FIELD = {field: (kind, label) for kind, (field, label) in NOTICES.items()}


def jobs(*, status: str = "") -> QuerySet[RefreshJob]:
    """Return the jobs, newest first, with who asked for them; only ``status`` ones if given."""
    queryset = RefreshJob.objects.select_related("requested_by").defer("identifiers", "errors")
    return queryset.filter(status=status) if status else queryset


@dataclass(frozen=True)
class ErrorRow:
    identifier: str
    reason: str


def job_errors(job: RefreshJob) -> tuple[list[ErrorRow], int]:
    """Return the first ERRORS_SHOWN per-identifier errors (job-level ones first, then the
    planning's, then the batches' in order) and how many there are in all."""
    job_level = sorted(job.errors.items(), key=lambda kv: (not kv[0].startswith("_"), kv[0]))
    items = {**dict(job_level), **job.identifier_errors(limit=ERRORS_SHOWN)}
    rows = [ErrorRow(_identifier_label(k), r) for k, r in list(items.items())[:ERRORS_SHOWN]]
    batch_errors = job.batches.aggregate(n=Sum("not_found_count") + Sum("failed_count"))["n"]
    return rows, len(job.errors) + (batch_errors or 0)


@dataclass(frozen=True)
class BatchSummary:
    """How far a job's batches are: how many in each state, and which workers took them."""

    by_status: list[tuple[str, int]]  # (status label, count) in the order of their life
    total: int
    workers: list[str]
    retried: int  # batches taken more than once (a worker died, a step was retried)


def batch_summary(job: RefreshJob) -> BatchSummary:
    counts = dict(job.batches.values_list("status").annotate(n=Count("pk")).order_by())
    labels = RefreshBatch.Status
    by_status = [(label, counts[value]) for value, label in labels.choices if counts.get(value)]
    workers = job.batches.exclude(worker="").values_list("worker", flat=True).distinct()
    return BatchSummary(
        by_status=by_status,
        total=sum(counts.values()),
        workers=sorted(workers),
        retried=job.batches.filter(attempts__gt=1).count(),
    )


def _identifier_label(key: str) -> str:
    if key == "_job":
        return "the whole job"
    if key == "_queue":
        return "the task queue"
    return f"PMID {key}" if key.isdigit() else f"doi:{key}"


def change_fields() -> list[str]:
    """Return the field names the change log holds, for the filter."""
    return sorted(PaperChange.objects.values_list("field", flat=True).distinct())


def changes(
    *,
    job: int | None = None,
    paper: Identifier | None = None,
    field: str = "",
    kind: str = "",
) -> QuerySet[PaperChange]:
    """Return change-log entries, newest first, filtered; each with its paper, its job and, for
    the notices, the evidence items citing the paper (prefetched, so a page costs few queries)."""
    queryset = PaperChange.objects.select_related("paper", "job").defer(
        "paper__search_vector", "paper__abstract"
    )
    if job:
        queryset = queryset.filter(job_id=job)
    if paper is not None:
        if paper.kind == "pmid":
            queryset = queryset.filter(paper__pmid=paper.value)
        else:
            queryset = queryset.annotate(doi_lower=Lower("paper__doi")).filter(
                doi_lower=str(paper.value).lower()
            )
    if field:
        queryset = queryset.filter(field=field)
    if kind in NOTICES:
        queryset = queryset.filter(field=NOTICES[kind][0], new_value=True)
    elif kind == "metadata":
        queryset = queryset.exclude(field__in=[f for f, _ in NOTICES.values()])
    notes = EvidenceNote.objects.only("pk", "statement", "status", "therapy_id")
    return queryset.prefetch_related(
        Prefetch("paper__evidence_notes", queryset=notes.order_by("pk"))
    ).order_by("-changed_at", "-pk")


@dataclass(frozen=True)
class ChangeRow:
    change: PaperChange
    notice: str  # "" for plain metadata, else the label that makes the row stand out
    notice_kind: str
    old: str
    new: str
    notes: list[EvidenceNote]


def change_rows(page) -> list[ChangeRow]:
    """Return the entries of one page ready to show: values as short text, notices marked."""
    rows = []
    for change in page:
        kind, label = NOTICE_BY_FIELD.get(change.field, ("", ""))
        is_notice = bool(label) and change.new_value is True
        rows.append(
            ChangeRow(
                change=change,
                notice=label if is_notice else "",
                notice_kind=kind if is_notice else "",
                old=_short(change.old_value),
                new=_short(change.new_value),
                notes=list(change.paper.evidence_notes.all()) if is_notice else [],
            )
        )
    return rows


def _short(value: object, limit: int = 240) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
