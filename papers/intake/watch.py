"""Run watched searches: search the window since the last run, queue what irtkb lacks.

One run, top to bottom:

    window_for(search, today)       [start_date or the last run's maxdate .. today]
    papers.pubmed.search_pubmed     every PMID in the window (split past 10,000 hits)
    _record_hits                    one transaction: placeholder papers for unknown PMIDs,
                                    an inbox item for each hit not yet in the inbox or tied to
                                    the therapy, the WatchRun row, and one import job for the
                                    unknown PMIDs, queued when the transaction commits

The window overlaps the previous one by its last day (Entrez dates have no time of day, so a
record added late that day would otherwise be missed); a PMID already in the inbox is never
added twice, so the overlap costs one day's hits in the count, not duplicates.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers import refresh
from papers.models import IntakeItem, Paper, RefreshJob, WatchedSearch, WatchRun
from papers.pubmed import NcbiError, search_pubmed
from papers.tasks import enqueue_job

logger = logging.getLogger(__name__)


def window_for(search: WatchedSearch, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """Return the (mindate, maxdate) the next run of ``search`` covers."""
    last = search.runs.filter(status=WatchRun.Status.SUCCEEDED).order_by("-maxdate").first()
    start = last.maxdate if last is not None else search.start_date
    return min(start, today), today


def run_watched_search(
    search: WatchedSearch,
    *,
    trigger: str,
    user: Any = None,
    today: dt.date | None = None,
) -> WatchRun:
    """Run ``search`` once and return its WatchRun (failed runs are recorded, not raised)."""
    today = today or timezone.localdate()
    mindate, maxdate = window_for(search, today=today)
    run = WatchRun(
        search=search,
        query=search.query,
        mindate=mindate,
        maxdate=maxdate,
        trigger=trigger,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )
    try:
        result = search_pubmed(
            query=search.query,
            mindate=mindate,
            maxdate=maxdate,
            limit=settings.PUBMED_ESEARCH_LIMIT,
        )
    except NcbiError as exc:
        # A failed run leaves the window where it was: the next run searches it again.
        logger.warning("watched search %s failed: %s", search.name, exc)
        run.status = WatchRun.Status.FAILED
        run.errors = {"_search": str(exc)}
        run.save()
        return run
    run.status = WatchRun.Status.SUCCEEDED
    run.hits = result.count
    run.windows = [
        {
            "mindate": w.mindate.isoformat(),
            "maxdate": w.maxdate.isoformat(),
            "count": w.count,
            "webenv": w.webenv,
            "query_key": w.query_key,
        }
        for w in result.windows
    ]
    _record_hits(run, pmids=result.pmids, user=user)
    return run


def run_watched_searches(
    *, trigger: str, names: list[str] | None = None, user: Any = None
) -> list[WatchRun]:
    """Run the named searches (all active ones by default), one after another."""
    searches = WatchedSearch.objects.select_related("therapy")
    searches = searches.filter(name__in=names) if names else searches.filter(active=True)
    return [run_watched_search(s, trigger=trigger, user=user) for s in searches.order_by("pk")]


@transaction.atomic
def _record_hits(run: WatchRun, *, pmids: tuple[int, ...], user: Any) -> None:
    """Store the run with its inbox items and queue the import of the PMIDs irtkb lacks."""
    known = set(Paper.objects.filter(pmid__in=pmids).values_list("pmid", flat=True))
    new_pmids = [p for p in pmids if p not in known]
    Paper.objects.bulk_create(
        [Paper(pmid=p, fetch_state=Paper.FetchState.PENDING) for p in new_pmids],
        ignore_conflicts=True,  # another run (or a curator) created it meanwhile
    )
    run.new_count = len(new_pmids)
    if new_pmids:
        run.job = refresh.create_job(
            kind=RefreshJob.Kind.IMPORT,
            trigger=run.trigger,
            pmids=new_pmids,
            user=user,
        )
        enqueue_job(run.job)
    run.save()
    therapy = run.search.therapy
    papers = Paper.objects.filter(pmid__in=pmids)
    # Already triaged, already waiting, or already part of the therapy: nothing to decide.
    fresh = papers.exclude(intake__isnull=False).exclude(
        pk__in=Paper.objects.tied_to_therapy(therapy).values("pk")
    )
    IntakeItem.objects.bulk_create(
        [
            IntakeItem(paper_id=pk, search=run.search, run=run)
            for pk in fresh.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )
