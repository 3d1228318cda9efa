"""Find jobs still waiting in "queued" whose message may be lost, and send them again."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from papers.tasks import requeue_stale_jobs


class Command(BaseCommand):
    help = (
        'Send again every refresh job still "queued" (or running but never planned) after '
        "--older-than-minutes (default 30), and dispatch again the batches of running jobs "
        "still planned or running since then."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=30, metavar="N")

    def handle(self, *args, older_than_minutes: int, **options):
        if older_than_minutes < 0:
            self.stderr.write("--older-than-minutes must be 0 or more")
            raise SystemExit(2)
        requeued = requeue_stale_jobs(older_than=timedelta(minutes=older_than_minutes))
        if requeued:
            self.stdout.write(f"sent again: {', '.join(f'job #{pk}' for pk in requeued)}")
        else:
            self.stdout.write("no job has been waiting that long")
