"""Which PMIDs a "refresh everything" job fetches: those PubMed changed since the last such
job succeeded, and those never fetched, not every paper every week.

One esearch on the modification date (datetype=mdat) per 1,000 stored PMIDs answers "which of
these changed?", so a weekly refresh of 200,000 papers costs about 200 esearch requests and
efetches only what changed, instead of 1,000 efetches of mostly unchanged records. With no
earlier successful run to count from, everything is fetched; a full reload of a large set
goes through the baseline files instead (docs/pipeline.md).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from papers.models import Paper, RefreshJob
from papers.pubmed import MODIFIED_CHECK_SIZE, NcbiError, pmids_modified_between

logger = logging.getLogger(__name__)

# PubMed's dates are days in US Eastern time: start the window a day before the last run
# began, so a change made that day (in any time zone) is never missed. Refetching the few
# records changed that day again costs little and changes nothing (the upsert is idempotent).
WINDOW_MARGIN = dt.timedelta(days=1)


def pmids_for_refresh_all(*, job: RefreshJob) -> list[int]:
    """Return, in ascending order, the PMIDs the refresh-everything ``job`` should fetch:
    those changed or never fetched (below), and those whose fetch failed before they had a
    paper row (``failed_without_a_paper``)."""
    return sorted(set(_stored_pmids_to_fetch(job=job)).union(failed_without_a_paper()))


def failed_without_a_paper() -> list[int]:
    """Return the PMIDs some job failed to fetch or store that still have no paper row.

    A PMID first asked for in an import whose batch failed (NCBI down, a record the database
    refused) has no Paper to carry ``fetch_state="failed"``; its batch keeps it in
    ``failed_pmids`` so the next refresh asks for it again until it is stored.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT f.pmid FROM papers_refreshbatch b, unnest(b.failed_pmids) AS f(pmid) "
            "WHERE b.failed_pmids <> '{}' "
            "AND NOT EXISTS (SELECT 1 FROM papers_paper p WHERE p.pmid = f.pmid) ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def _stored_pmids_to_fetch(*, job: RefreshJob) -> list[int]:
    stored = Paper.objects.filter(pmid__isnull=False).order_by("pmid")
    since = last_successful_refresh_all(before=job)
    if since is None:
        return _pmids(stored)
    never_fetched = _pmids(stored.exclude(fetch_state=Paper.FetchState.FETCHED))
    fetched = _pmids(stored.filter(fetch_state=Paper.FetchState.FETCHED))
    mindate = timezone.localdate(since) - WINDOW_MARGIN
    maxdate = timezone.localdate() + WINDOW_MARGIN
    changed: set[int] = set()
    for start in range(0, len(fetched), MODIFIED_CHECK_SIZE):
        chunk = fetched[start : start + MODIFIED_CHECK_SIZE]
        try:
            changed.update(pmids_modified_between(pmids=chunk, mindate=mindate, maxdate=maxdate))
        except NcbiError as exc:
            # Cannot tell which changed: fetch them all rather than miss one.
            logger.warning("modification check failed, fetching %s PMIDs: %s", len(chunk), exc)
            changed.update(chunk)
    return sorted(changed.union(never_fetched))  # never_fetched includes those that failed


def _pmids(papers: QuerySet[Paper]) -> list[int]:
    return [pmid for pmid in papers.values_list("pmid", flat=True) if pmid is not None]


def last_successful_refresh_all(*, before: RefreshJob) -> dt.datetime | None:
    """Return when the last refresh-everything job that fully succeeded started, if any."""
    return (
        RefreshJob.objects.filter(
            kind=RefreshJob.Kind.REFRESH_ALL,
            status=RefreshJob.Status.SUCCEEDED,
            started_at__isnull=False,
        )
        .exclude(pk=before.pk)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
