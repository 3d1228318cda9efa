"""A pasted or uploaded list of identifiers: read it line by line, queue the good ones as one job.

Each line is read with the curator workspace's identifier reader (a PMID, ``PMID:123``, a
PubMed URL, a DOI, ``doi:…`` or a doi.org URL), which itself uses the pipeline's one PMID and
DOI validator, so the page, the commands and the editor agree on what is valid. A bad line is
reported with its number and the reason; it never stops the others.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from curation.identifiers import Identifier, IdentifierError, parse_identifier
from curation.imports import QUEUE_DOWN, QueueUnavailable
from papers import refresh
from papers.models import RefreshJob
from papers.tasks import enqueue_job

# A first CSV row holding one of these is a header, not a bad line.
CSV_HEADERS = frozenset({"pmid", "doi", "identifier", "id", "pmid or doi"})


@dataclass(frozen=True)
class BadLine:
    where: str  # "line 3" or "line 3 of refs.csv"
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where} ({self.text[:80]!r}): {self.reason}"


@dataclass
class ReadList:
    """What a list held: the identifiers in order without repeats, and the bad lines."""

    identifiers: list[Identifier] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)
    repeats: int = 0

    def add(self, other: ReadList) -> None:
        for identifier in other.identifiers:
            self._keep(identifier)
        self.repeats += other.repeats
        self.bad_lines += other.bad_lines

    def _keep(self, identifier: Identifier) -> None:
        if identifier in self.identifiers:
            self.repeats += 1
        else:
            self.identifiers.append(identifier)


def read_lines(lines: list[str], *, source: str = "", is_csv: bool = False) -> ReadList:
    """Read one identifier per line (the first column of a CSV file); skip blanks and ``#``."""
    result = ReadList()
    cells = [row[0] if row else "" for row in csv.reader(lines)] if is_csv else lines
    for number, cell in enumerate(cells, start=1):
        text = cell.strip()
        if not text or text.startswith("#"):
            continue
        if is_csv and number == 1 and text.lower() in CSV_HEADERS:
            continue
        try:
            result._keep(parse_identifier(text))
        except IdentifierError as error:
            where = f"line {number} of {source}" if source else f"line {number}"
            result.bad_lines.append(BadLine(where=where, text=text, reason=str(error)))
    return result


def queue_import(*, identifiers: list[Identifier], user: Any) -> RefreshJob:
    """Create one import job for ``identifiers`` and queue it; raise QueueUnavailable, with no
    job left behind, when the task queue cannot be reached."""
    with transaction.atomic():
        job = refresh.create_job(
            kind=RefreshJob.Kind.IMPORT,
            trigger=RefreshJob.Trigger.STAFF,
            pmids=[int(i.value) for i in identifiers if i.kind == "pmid"],
            dois=[str(i.value) for i in identifiers if i.kind == "doi"],
            user=user,
        )
        enqueue_job(job)  # sent when this block commits
    return _sent_or_undone(job)


def queue_retry(*, job: RefreshJob, user: Any) -> RefreshJob:
    """Queue a new job for the failed identifiers of ``job`` (see refresh.create_retry_job);
    raise QueueUnavailable, with no job left behind, when the task queue cannot be reached."""
    with transaction.atomic():
        retry = refresh.create_retry_job(job=job, user=user)
        enqueue_job(retry)
    return _sent_or_undone(retry)


def _sent_or_undone(job: RefreshJob) -> RefreshJob:
    job.refresh_from_db()
    if "_queue" in job.errors:
        # papers.tasks._send marked it failed; a job nobody will ever run is only noise here,
        # since the page keeps what was typed for another try.
        job.delete()
        raise QueueUnavailable(QUEUE_DOWN)
    return job
