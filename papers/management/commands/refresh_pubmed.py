from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from papers import refresh
from papers.management.job_runner import run_or_queue
from papers.models import RefreshJob
from papers.pubmed import InvalidIdentifierError, parse_pmid


class Command(BaseCommand):
    help = "Refresh stored papers from PubMed: all of them, stale ones, or given PMIDs."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every paper with a PMID")
        which.add_argument(
            "--stale-days", type=int, metavar="N", help="papers not fetched in the last N days"
        )
        which.add_argument("--pmid", nargs="+", help="these PMIDs")
        parser.add_argument("--queue", action="store_true", help="queue for a Celery worker")

    def handle(self, *args, all, stale_days, pmid, queue, **options):
        if stale_days is not None and stale_days < 0:
            raise CommandError("--stale-days must be 0 or more")
        kind = RefreshJob.Kind.REFRESH_ALL if all else RefreshJob.Kind.REFRESH
        try:
            job = refresh.create_job(
                kind=kind,
                trigger=RefreshJob.Trigger.COMMAND,
                pmids=[parse_pmid(text) for text in pmid or []],
                refresh_all=all,
                stale_days=stale_days,
            )
        except InvalidIdentifierError as exc:
            raise CommandError(str(exc)) from exc
        run_or_queue(self, job, queue=queue)
