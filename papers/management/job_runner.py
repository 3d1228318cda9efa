"""What import_pubmed and refresh_pubmed share: run a job here with a progress bar, or queue it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from papers import refresh
from papers.models import RefreshJob
from papers.tasks import enqueue_job


def run_or_queue(command: BaseCommand, job: RefreshJob, *, queue: bool) -> RefreshJob:
    """Queue ``job`` for a worker, or run it in this process and print its summary."""
    if queue:
        enqueue_job(job)  # sent at once: management commands run in autocommit mode
        job.refresh_from_db()
        if job.status == RefreshJob.Status.FAILED:
            raise CommandError(f"job #{job.pk}: {job.errors.get('_queue', 'not queued')}")
        command.stdout.write(f"queued job #{job.pk}; follow it in the admin (Refresh jobs)")
        return job

    bar = tqdm(total=0, unit="paper", disable=None, file=command.stderr._out)

    def progress(current: RefreshJob) -> None:
        bar.total = current.total
        bar.n = current.done
        bar.refresh()

    try:
        job = refresh.run_refresh_job(job_id=job.pk, progress=progress)
    finally:
        bar.close()
    command.stdout.write(summary_line(job))
    for identifier, reason in job.identifier_errors(limit=20).items():
        command.stderr.write(f"  {identifier}: {reason}")
    if job.status == RefreshJob.Status.FAILED:
        raise CommandError(f"job #{job.pk} failed")
    return job


def summary_line(job: RefreshJob) -> str:
    return (
        f"job #{job.pk} {job.status}: {job.new_count} new, {job.changed_count} changed, "
        f"{job.unchanged_count} unchanged, {job.not_found_count} not found, "
        f"{job.failed_count} failed ({job.done}/{job.total})"
    )
