"""Related papers on the paper page: PubMed's "similar articles" and "cited by", cached.

The paper page asks ``claim_fetch`` whether to queue a fetch (no row yet, or one older than
RELATED_MAX_AGE whose last request is over an hour old: a conditional UPDATE, so concurrent
page views queue one task); the task (``papers.related.tasks``) calls ``fetch_related``,
which runs the two elinks through the NCBI seam and stores the PMIDs, or the error, in
RelatedPapers. ``related_context`` pairs each PMID with the paper irtkb holds for it, if any,
in one query.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from papers.content_version import mark_content_changed
from papers.models import Paper, RelatedPapers
from papers.pubmed import NcbiError
from papers.pubmed.links import related_pmids

RELATED_MAX_AGE = dt.timedelta(days=30)
REQUEST_INTERVAL = dt.timedelta(hours=1)
SHOWN = 10


def claim_fetch(paper: Paper, row: RelatedPapers | None) -> bool:
    """Return True when the caller should queue a fetch of ``paper``'s related papers.

    ``row`` is the paper's RelatedPapers as just read (None: none yet). Claiming is one
    INSERT ... ON CONFLICT DO NOTHING, or one conditional UPDATE, whose row count says
    whether this caller won: concurrent page views queue one task.
    """
    if paper.pmid is None:
        return False
    now = timezone.now()
    if row is None:
        # bulk_create(ignore_conflicts=True) cannot say whether it inserted; RETURNING can.
        table = RelatedPapers._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} (paper_id, "similar", cited_by, requested_at, error) '
                "VALUES (%s, '[]', '[]', %s, '') ON CONFLICT (paper_id) DO NOTHING RETURNING id",
                [paper.pk, now],
            )
            return cursor.fetchone() is not None
    fresh = row.fetched_at is not None and row.fetched_at >= now - RELATED_MAX_AGE
    if fresh or row.requested_at >= now - REQUEST_INTERVAL:
        return False
    claimed = RelatedPapers.objects.filter(
        pk=row.pk, requested_at__lt=now - REQUEST_INTERVAL
    ).update(requested_at=now)
    return bool(claimed)


def fetch_related(*, paper_id: int) -> RelatedPapers:
    """Fetch and store the related PMIDs of one paper; a failure is stored, not raised."""
    paper = Paper.objects.only("pk", "pmid").get(pk=paper_id)
    row, _ = RelatedPapers.objects.get_or_create(
        paper=paper, defaults={"requested_at": timezone.now()}
    )
    if paper.pmid is None:
        raise ValueError(f"paper {paper_id} has no PMID: PubMed links nothing to it")
    try:
        found = related_pmids(pmid=paper.pmid)
    except NcbiError as exc:
        row.error = str(exc)
        row.save(update_fields=["error"])
        return row
    row.similar, row.cited_by = list(found.similar), list(found.cited_by)
    row.fetched_at, row.error = timezone.now(), ""
    row.save()
    mark_content_changed()  # the paper page shows them
    return row


def related_context(row: RelatedPapers | None) -> dict:
    """Return what the paper page shows: {"similar": [(pmid, Paper|None)], "cited_by": ...,
    "more_similar": n, "more_cited_by": n, "fetched_at", "error"}; {} before any fetch."""
    if row is None or (row.fetched_at is None and not row.error):
        return {}
    shown = {"similar": row.similar[:SHOWN], "cited_by": row.cited_by[:SHOWN]}
    wanted = {pmid for pmids in shown.values() for pmid in pmids}
    local = Paper.objects.in_bulk(list(wanted), field_name="pmid") if wanted else {}
    return {
        **{name: [(pmid, local.get(pmid)) for pmid in pmids] for name, pmids in shown.items()},
        "more_similar": max(0, len(row.similar) - SHOWN),
        "more_cited_by": max(0, len(row.cited_by) - SHOWN),
        "fetched_at": row.fetched_at,
        "error": row.error,
    }
