"""manage.py watch_literature [--search NAME ...]: run watched PubMed searches now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from papers.intake.watch import run_watched_searches
from papers.models import RefreshJob, WatchedSearch, WatchRun


class Command(BaseCommand):
    help = "Run the watched PubMed searches (all active ones, or those named) and queue new papers."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--search", action="append", dest="names", metavar="NAME", help="repeatable"
        )

    def handle(self, *args, names: list[str] | None = None, **options) -> None:
        if names:
            unknown = sorted(set(names) - set(WatchedSearch.objects.values_list("name", flat=True)))
            if unknown:
                raise CommandError(f"no watched search named {', '.join(unknown)}")
        runs = run_watched_searches(trigger=RefreshJob.Trigger.COMMAND, names=names)
        if not runs:
            self.stdout.write("No active watched searches.")
        failed = 0
        for run in runs:
            line = (
                f"{run.search.name}: {run.mindate}..{run.maxdate}, {run.hits} hits, "
                f"{run.new_count} new papers in {len(run.windows)} window(s)"
            )
            if run.job_id:
                line += f", import job #{run.job_id}"
            if run.status == WatchRun.Status.FAILED:
                failed += 1
                line = f"{run.search.name}: FAILED: {run.errors.get('_search', '')}"
            self.stdout.write(line)
        if failed:
            raise CommandError(f"{failed} of {len(runs)} watched searches failed")
