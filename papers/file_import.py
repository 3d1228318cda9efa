"""Import PubMed baseline and update files from disk: the bulk path NCBI asks bulk users to take.

Each file is streamed in batches (papers/pubmed/files.py); each batch is stored by the same
upsert every other import uses, in one transaction with the file's progress row
(ImportedFile), so after a crash the stored position is exactly what was committed: a re-run
skips finished files (by SHA-256) and resumes a half-done one after its last committed batch.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, reset_queries, transaction
from django.utils import timezone

from papers.ingest import mark_deleted, mark_failed, upsert_isolating
from papers.models import ImportedFile
from papers.models.files import MAX_STORED_ERRORS
from papers.pubmed import PubmedParseError
from papers.pubmed.files import FileBatch, iter_file_batches, sha256_of

logger = logging.getLogger(__name__)

FILE_SUFFIXES = (".xml", ".xml.gz")
DEFAULT_BATCH_SIZE = 1000
# Nothing can be stored until a file's first batch is parsed (later batches are parsed while
# the one before is stored): a small first batch starts the store sooner. An update file of
# a few hundred records otherwise waited for all of it (docs/benchmarks.md).
FIRST_BATCH_SIZE = 100


@dataclass
class FileOutcome:
    """What one file's import did: "done", "skipped" (finished before) or "failed"."""

    path: Path
    outcome: str
    row: ImportedFile
    resumed_from: int = 0


def pubmed_files(arguments: Sequence[str]) -> list[Path]:
    """Expand file names, directories (their .xml and .xml.gz files) and globs, in name order.

    Raise FileNotFoundError naming the first argument that matches nothing.
    """
    paths: list[Path] = []
    for argument in arguments:
        if glob.has_magic(argument):
            matches = [Path(p) for p in sorted(glob.glob(argument)) if Path(p).is_file()]
        elif Path(argument).is_dir():
            matches = sorted(p for p in Path(argument).iterdir() if _is_pubmed_file(p))
        elif Path(argument).is_file():
            matches = [Path(argument)]
        else:
            matches = []
        if not matches:
            raise FileNotFoundError(f"no PubMed files at {argument}")
        paths.extend(p for p in matches if p not in paths)
    return paths


def _is_pubmed_file(path: Path) -> bool:
    return path.is_file() and path.name.endswith(FILE_SUFFIXES)


def import_file(
    path: Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[ImportedFile], None] | None = None,
) -> FileOutcome:
    """Import one file, or skip it if it was finished before; never raise for a bad file.

    A file that cannot be read as a whole (corrupt gzip, truncated XML) ends "failed" with
    the reason in ``row.message``; the batches stored before the damage stay stored, and a
    re-run tries again from the last committed batch.
    """
    digest = sha256_of(path)
    row, _ = ImportedFile.objects.get_or_create(
        sha256=digest,
        defaults={"name": path.name[:255], "path": str(path), "size": path.stat().st_size},
    )
    if row.status == ImportedFile.Status.DONE:
        return FileOutcome(path=path, outcome="skipped", row=row)
    resumed_from = row.position
    row.name, row.path, row.status, row.message = (
        path.name[:255],
        str(path),
        ImportedFile.Status.RUNNING,
        "",
    )
    row.save(update_fields=["name", "path", "status", "message", "updated_at"])
    try:
        batches = iter_file_batches(
            path,
            batch_size=batch_size,
            skip=row.position,
            first_batch_size=min(batch_size, FIRST_BATCH_SIZE),
        )
        for batch in _read_ahead(batches):
            _store_batch(row, batch)
            # With DEBUG on, Django keeps every query's text (with its parameters: megabytes
            # per batch here) until the next request, which a command never starts.
            reset_queries()
            if on_batch is not None:
                on_batch(row)
    except PubmedParseError as exc:
        row.status, row.message = ImportedFile.Status.FAILED, str(exc)
        row.save(update_fields=["status", "message", "updated_at"])
        logger.warning("file import failed: %s", exc)
        return FileOutcome(path=path, outcome="failed", row=row, resumed_from=resumed_from)
    row.status, row.finished_at = ImportedFile.Status.DONE, timezone.now()
    row.save(update_fields=["status", "finished_at", "updated_at"])
    return FileOutcome(path=path, outcome="done", row=row, resumed_from=resumed_from)


def _read_ahead(batches: Iterator[FileBatch]) -> Iterator[FileBatch]:
    """Yield the batches in order, parsing the next one in a thread while this one is stored.

    Parsing is Python (it holds the GIL), storing mostly waits on PostgreSQL (it does not), so
    on two cores the two overlap. At most two batches are in memory; the parsing thread never
    touches the database.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pubmed-file") as pool:
        future = pool.submit(next, batches, None)
        while (batch := future.result()) is not None:
            future = pool.submit(next, batches, None)
            yield batch


@transaction.atomic
def _store_batch(row: ImportedFile, batch: FileBatch) -> None:
    """Store one batch and move the file's position past it, in one transaction."""
    with connection.cursor() as cursor:
        # A crash may lose the last few commits, never part of one: the batch and the position
        # that records it are lost together and the next run reads them again. Waiting for the
        # WAL flush at each commit is time a bulk load does not need to spend.
        cursor.execute("SET LOCAL synchronous_commit = off")
    failures = {e.pmid: e.reason for e in batch.errors}
    summary, store_failures = upsert_isolating(records=batch.records, job=None)
    failures.update(store_failures)
    deleted = mark_deleted(pmids=batch.deleted_pmids) if batch.deleted_pmids else 0
    known_failures = {pmid: reason for pmid, reason in failures.items() if pmid is not None}
    if known_failures:
        mark_failed(failures=known_failures)
    row.new_count += len(summary.new)
    row.changed_count += len(summary.changed)
    row.unchanged_count += len(summary.unchanged)
    row.deleted_count += deleted
    row.failed_count += len(failures)
    room = MAX_STORED_ERRORS - len(row.errors)
    row.errors = row.errors + [
        {"pmid": pmid, "reason": reason} for pmid, reason in list(failures.items())[:room]
    ]
    row.position = batch.position
    row.last_pmid = batch.last_pmid or row.last_pmid
    row.save()
