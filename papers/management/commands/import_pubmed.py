from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from papers import refresh
from papers.file_import import DEFAULT_BATCH_SIZE, import_file, pubmed_files
from papers.management.job_runner import run_or_queue
from papers.models import RefreshJob
from papers.pubmed import InvalidIdentifierError, normalize_doi, parse_pmid

# Record errors printed per file; all of them (up to a bound) stay on the ImportedFile row.
SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import papers from PubMed by PMID or DOI, or from a PubMed XML file."

    def add_arguments(self, parser):
        parser.add_argument("--pmid", nargs="+", default=[], help="PMIDs to import")
        parser.add_argument("--doi", nargs="+", default=[], help="DOIs to import")
        parser.add_argument(
            "--file",
            nargs="+",
            default=[],
            help="PubMed baseline/update files (.xml, .xml.gz), directories or globs to import",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="records per transaction when importing files",
        )
        parser.add_argument(
            "--review",
            action="store_true",
            help="the PMID is a review: also build its reference list and import its references",
        )
        parser.add_argument("--queue", action="store_true", help="queue for a Celery worker")

    def handle(self, *args, pmid, doi, file, batch_size, review, queue, **options):
        if file:
            return self._import_files(file, batch_size=batch_size)
        kind = RefreshJob.Kind.IMPORT_REVIEW if review else RefreshJob.Kind.IMPORT
        if review and (len(pmid) != 1 or doi):
            raise CommandError("--review takes exactly one --pmid")
        try:
            job = refresh.create_job(
                kind=kind,
                trigger=RefreshJob.Trigger.COMMAND,
                pmids=[parse_pmid(text) for text in pmid],
                dois=[normalize_doi(text) for text in doi],
            )
        except InvalidIdentifierError as exc:
            raise CommandError(str(exc)) from exc
        run_or_queue(self, job, queue=queue)

    def _import_files(self, arguments: list[str], *, batch_size: int) -> None:
        """Import each file in turn; a failed file does not stop the others, but the command
        ends with an error naming every failed file."""
        try:
            paths = pubmed_files(arguments)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        failed = []
        for path in paths:
            result = import_file(path, batch_size=batch_size)
            row = result.row
            if result.outcome == "skipped":
                self.stdout.write(f"{path.name}: already imported ({row.position} items), skipped")
                continue
            resumed = f", resumed after item {result.resumed_from}" if result.resumed_from else ""
            for error in row.errors[:SHOWN_ERRORS]:
                label = f"PMID {error['pmid']}" if error["pmid"] else "record without PMID"
                self.stderr.write(f"  skipped {label}: {error['reason']}")
            if row.failed_count > SHOWN_ERRORS:
                self.stderr.write(f"  … and {row.failed_count - SHOWN_ERRORS} more")
            self.stdout.write(
                f"{path.name}: {row.new_count} new, {row.changed_count} changed, "
                f"{row.unchanged_count} unchanged, {row.deleted_count} deleted, "
                f"{row.failed_count} skipped{resumed}"
            )
            if result.outcome == "failed":
                failed.append(row.message)  # it names the file
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(paths)} files failed (what earlier batches stored is "
                "kept; run the command again to resume): " + "; ".join(failed)
            )
