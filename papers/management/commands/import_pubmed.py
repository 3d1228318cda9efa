from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from papers import refresh
from papers.ingest import upsert_papers
from papers.management.job_runner import run_or_queue
from papers.models import RefreshJob
from papers.pubmed import (
    InvalidIdentifierError,
    PubmedParseError,
    normalize_doi,
    parse_pmid,
    parse_pubmed_xml,
)


class Command(BaseCommand):
    help = "Import papers from PubMed by PMID or DOI, or from a PubMed XML file."

    def add_arguments(self, parser):
        parser.add_argument("--pmid", nargs="+", default=[], help="PMIDs to import")
        parser.add_argument("--doi", nargs="+", default=[], help="DOIs to import")
        parser.add_argument("--file", type=Path, help="a PubMed efetch XML file to import")
        parser.add_argument(
            "--review",
            action="store_true",
            help="the PMID is a review: also build its reference list and import its references",
        )
        parser.add_argument("--queue", action="store_true", help="queue for a Celery worker")

    def handle(self, *args, pmid, doi, file, review, queue, **options):
        if file:
            return self._import_file(file)
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

    def _import_file(self, path: Path) -> None:
        try:
            result = parse_pubmed_xml(path.read_bytes(), source=str(path))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        except PubmedParseError as exc:
            raise CommandError(f"nothing imported: {exc}") from exc
        summary = upsert_papers(records=result.records)
        for error in result.errors:
            self.stderr.write(f"  skipped {error.label}: {error.reason}")
        self.stdout.write(
            f"{path.name}: {len(summary.new)} new, {len(summary.changed)} changed, "
            f"{len(summary.unchanged)} unchanged, {len(result.errors)} skipped"
        )
