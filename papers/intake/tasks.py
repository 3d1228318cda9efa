"""The weekly beat entry for watched searches (thin: the work is papers.intake.watch)."""

from __future__ import annotations

from celery import shared_task

from papers.intake.watch import run_watched_searches
from papers.models import RefreshJob


@shared_task(acks_late=True)
def watch_literature() -> list[int]:
    """Run every active watched search; return the WatchRun ids.

    Safe to run twice: a second run searches from the first one's last day, and a PMID
    already in the inbox or already imported is neither added nor fetched again.
    """
    runs = run_watched_searches(trigger=RefreshJob.Trigger.SCHEDULE)
    return [run.pk for run in runs]
