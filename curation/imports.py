"""Bring a paper a curator wants to cite into irtkb: reuse it if known, else queue its import.

The import takes the same path as every other (a RefreshJob run by the Celery task), and a
placeholder Paper row ("being fetched") exists from the start, so the draft can cite it while
the worker fetches it. If the task queue cannot be reached, nothing is left behind: neither
the job nor a placeholder nobody cites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Lower

from curation.identifiers import Identifier
from papers import refresh
from papers.models import Paper, RefreshJob
from papers.roles import can_curate
from papers.tasks import BROKER_DOWN, enqueue_job

# The pipeline's own words for a broker that is down, as a sentence for a page.
QUEUE_DOWN = f"{BROKER_DOWN.capitalize()}. Try again in a minute."


class QueueUnavailable(Exception):
    """The broker refused the import; nothing was queued or kept."""


@dataclass
class PaperImport:
    paper: Paper
    job: RefreshJob | None  # None when the paper was already in irtkb (or already on its way)


def find_paper(identifier: Identifier) -> Paper | None:
    """Return the stored paper with this PMID or DOI (DOIs compare without case)."""
    papers = Paper.objects.defer("search_vector")
    if identifier.kind == "pmid":
        return papers.filter(pmid=identifier.value).first()
    return (
        papers.annotate(doi_lower=Lower("doi"))
        .filter(doi_lower=str(identifier.value).lower())
        .first()
    )


def _active_job(identifier: Identifier) -> RefreshJob | None:
    key = "pmids" if identifier.kind == "pmid" else "dois"
    return (
        RefreshJob.objects.filter(
            status__in=[RefreshJob.Status.QUEUED, RefreshJob.Status.RUNNING],
            **{f"identifiers__{key}__contains": [identifier.value]},
        )
        .order_by("-pk")
        .first()
    )


def add_paper(*, identifier: Identifier, user: Any) -> PaperImport:
    """Return the paper for ``identifier``, queueing its import when irtkb does not hold it yet.

    A paper already fetched, or already being fetched by a live job, is returned as it is; one
    whose fetch failed is queued again. Raise QueueUnavailable (with nothing written) when the
    broker is down. "Not found in PubMed" is the caller's to report: PubMed was asked already.
    """
    if not can_curate(user):
        raise PermissionDenied("Only curators may add papers.")
    paper = find_paper(identifier)
    if paper is not None and paper.fetch_state in (
        Paper.FetchState.FETCHED,
        Paper.FetchState.NOT_FOUND,
    ):
        return PaperImport(paper=paper, job=None)
    if paper is not None and paper.fetch_state == Paper.FetchState.PENDING:
        job = _active_job(identifier)
        if job is not None:
            return PaperImport(paper=paper, job=job)

    created = paper is None
    before = None if created else (paper.fetch_state, paper.fetch_error)
    with transaction.atomic():
        if created:
            paper = Paper.objects.create(
                fetch_state=Paper.FetchState.PENDING,
                **{identifier.kind: identifier.value},
            )
        else:
            Paper.objects.filter(pk=paper.pk).update(
                fetch_state=Paper.FetchState.PENDING, fetch_error=""
            )
        job = refresh.create_job(
            kind=RefreshJob.Kind.IMPORT,
            trigger=RefreshJob.Trigger.CURATOR,
            pmids=[identifier.value] if identifier.kind == "pmid" else [],
            dois=[identifier.value] if identifier.kind == "doi" else [],
            user=user,
        )
        enqueue_job(job)  # sent when this block commits, just below
    job.refresh_from_db()
    if "_queue" in job.errors:
        _undo(job=job, paper=paper, before=before)
        raise QueueUnavailable(QUEUE_DOWN)
    paper.refresh_from_db()
    return PaperImport(paper=paper, job=job)


@transaction.atomic
def _undo(*, job: RefreshJob, paper: Paper, before: tuple[str, str] | None) -> None:
    """Undo an import that never reached the queue: drop its job, and its placeholder or the
    placeholder's new state."""
    job.delete()
    if before is None:
        if not paper.citations.exists() and not paper.cited_in_reviews.exists():
            paper.delete()
        return
    Paper.objects.filter(pk=paper.pk, fetch_state=Paper.FetchState.PENDING).update(
        fetch_state=before[0], fetch_error=before[1]
    )
