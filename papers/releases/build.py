"""Write one dated release: JSON and TSV files, a manifest with checksums, README and licence.

A release is built in a hidden directory beside the others and renamed into place, so a
reader of ``/downloads/`` never sees half of one. A release for a date that exists is refused
(``ReleaseExists``) unless ``replace=True``, which builds the new one first and then swaps the
two by renames; the old one is deleted only after the new one is in place.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from papers.api import serializers
from papers.api.views import published_evidence, therapies_with_details
from papers.models import Paper
from papers.releases.version import irtkb_version

MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
LICENCE_SOURCE = Path(__file__).resolve().parent / "CC-BY-4.0.txt"
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"
NLM_TERMS_URL = "https://www.nlm.nih.gov/databases/download/terms_and_conditions.html"
# Papers are serialised in chunks so a release of 200,000 papers stays within memory.
CHUNK = 2000


class ReleaseExists(Exception):
    """A release for this date is already published (pass replace=True to rebuild it)."""


@dataclass(frozen=True)
class ReleaseFile:
    name: str
    bytes: int
    sha256: str
    records: int | None
    description: str


@dataclass(frozen=True)
class Release:
    date: dt.date
    path: Path
    files: list[ReleaseFile]
    counts: dict[str, int]


def releases_root() -> Path:
    return Path(settings.RELEASES_DIR)


def make_release(
    *, day: dt.date, replace: bool = False, base_url: str | None = None, root: Path | None = None
) -> Release:
    """Write the release for ``day`` under ``root`` and return what it holds.

    Raise ReleaseExists if that date has a release and ``replace`` is false.
    """
    root = root or releases_root()
    final = root / day.isoformat()
    if final.exists() and not replace:
        raise ReleaseExists(f"A release for {day.isoformat()} exists at {final}.")
    root.mkdir(parents=True, exist_ok=True)
    context = {"base_url": settings.SITE_URL if base_url is None else base_url.rstrip("/")}
    building = Path(tempfile.mkdtemp(prefix=f".building-{day.isoformat()}-", dir=root))
    try:
        files, counts = _write_files(building, day=day, context=context)
        _publish(building, final, replace=replace)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return Release(date=day, path=final, files=files, counts=counts)


def _publish(building: Path, final: Path, *, replace: bool) -> None:
    os.chmod(building, 0o755)  # mkdtemp makes it private
    if not final.exists():
        try:
            building.rename(final)  # atomic; fails if another run published the date first
        except OSError:
            raise ReleaseExists(f"A release for {final.name} was published meanwhile.") from None
        return
    if not replace:
        raise ReleaseExists(f"A release for {final.name} exists at {final}.")
    retired = final.with_name(f".replaced-{final.name}-{os.getpid()}")
    final.rename(retired)
    building.rename(final)
    shutil.rmtree(retired, ignore_errors=True)


def _write_files(directory: Path, *, day: dt.date, context: dict) -> tuple[list, dict]:
    files: list[ReleaseFile] = []

    def add(name: str, content: bytes, records: int | None, description: str) -> None:
        (directory / name).write_bytes(content)
        files.append(
            ReleaseFile(
                name=name,
                bytes=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                records=records,
                description=description,
            )
        )

    # One snapshot for every file: counts and cross-references agree even while curators and
    # refresh jobs write. (Inside a caller's transaction, a test's, that one's snapshot rules.)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        therapies = serializers.TherapySerializer(
            therapies_with_details(), many=True, context=context
        ).data
        items = serializers.EvidenceItemSerializer(
            published_evidence().order_by("pk"), many=True, context=context
        ).data
        papers = list(_papers(context))

    add(
        "therapies.json",
        _json(therapies),
        len(therapies),
        "Therapies with pivotal trials "
        "and immune reconstitution points (the API's therapy records).",
    )
    add("therapies.tsv", _tsv(THERAPY_COLUMNS, therapies), len(therapies), "One therapy a row.")
    trials = [{"therapy": t["slug"], **trial} for t in therapies for trial in t["pivotal_trials"]]
    add("pivotal_trials.tsv", _tsv(TRIAL_COLUMNS, trials), len(trials), "One trial a row.")
    points = [
        {"therapy": t["slug"], **point} for t in therapies for point in t["reconstitution_points"]
    ]
    add(
        "reconstitution_points.tsv",
        _tsv(POINT_COLUMNS, points),
        len(points),
        "One cell population of one therapy a row, with its source paper.",
    )
    add(
        "evidence_items.json",
        _json(items),
        len(items),
        "Published evidence items with their citations (the API's evidence records).",
    )
    add("evidence_items.tsv", _tsv(ITEM_COLUMNS, items), len(items), "One evidence item a row.")
    citations = [
        {
            "evidence_item_id": item["id"],
            **citation["paper"],
            "quote": citation["quote"],
            "quote_section": citation["quote_section"],
        }
        for item in items
        for citation in item["citations"]
    ]
    add(
        "evidence_citations.tsv",
        _tsv(CITATION_COLUMNS, citations),
        len(citations),
        "One cited paper of one evidence item a row.",
    )
    add(
        "papers.json",
        _json(papers),
        len(papers),
        "Bibliographic metadata of every paper (no abstracts: see README).",
    )
    add("papers.tsv", _tsv(PAPER_COLUMNS, papers), len(papers), "One paper a row.")

    counts = {
        "therapies": len(therapies),
        "pivotal_trials": len(trials),
        "reconstitution_points": len(points),
        "evidence_items": len(items),
        "evidence_citations": len(citations),
        "papers": len(papers),
    }
    about = {
        "date": day.isoformat(),
        "version": irtkb_version(),
        "counts": counts,
        "cc_by_url": CC_BY_URL,
        "nlm_terms_url": NLM_TERMS_URL,
        "site_url": context["base_url"],
    }
    add(
        "README.txt",
        render_to_string("releases/README.txt", {**about, "files": files}).encode(),
        None,
        "What the files hold, their licences, how to cite.",
    )
    licence = render_to_string("releases/LICENCE-intro.txt", about) + LICENCE_SOURCE.read_text()
    add(
        "LICENCE.txt",
        licence.encode(),
        None,
        "Curated content: CC BY 4.0 (legal code included); PubMed metadata: NLM's terms.",
    )

    manifest = {
        "name": "irtkb",
        "release": day.isoformat(),
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "irtkb_version": irtkb_version(),
        "licence": {
            "curated_content": "CC-BY-4.0",
            "curated_content_url": CC_BY_URL,
            "pubmed_metadata": NLM_TERMS_URL,
        },
        "counts": counts,
        "files": [file.__dict__ for file in files],
    }
    (directory / MANIFEST).write_bytes(_json(manifest))
    sums = "".join(f"{file.sha256}  {file.name}\n" for file in files)
    (directory / CHECKSUMS).write_text(sums)
    return files, counts


def _papers(context: dict) -> Iterator[dict]:
    queryset = Paper.objects.with_listing().without_large_fields().order_by("pk")
    serializer = serializers.PaperSerializer(context=context)
    for paper in queryset.iterator(chunk_size=CHUNK):
        yield serializer.to_representation(paper)


def _json(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()


def _cell(value) -> str:
    """Return a TSV cell: lists joined by "; ", no tab or line break inside (JSON keeps them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "; ".join(_cell(item) for item in value)
    return " ".join(str(value).split()) if any(c in str(value) for c in "\t\r\n") else str(value)


def _tsv(columns: Iterable[tuple[str, object]], rows: Iterable[dict]) -> bytes:
    """Return rows as TSV: a header, then one line per row (``columns`` name and getter)."""
    columns = list(columns)
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter="\t",
        lineterminator="\n",
        quoting=csv.QUOTE_NONE,
        escapechar=None,
        quotechar=None,
    )
    writer.writerow([name for name, _ in columns])
    for row in rows:
        writer.writerow([_cell(get(row) if callable(get) else row.get(get)) for _, get in columns])
    return out.getvalue().encode()


def _paper_columns(prefix: str = "", key=None) -> list[tuple[str, object]]:
    def pick(name):
        return (lambda row: (key(row) or {}).get(name)) if key else name

    return [
        (f"{prefix}pmid", pick("pmid")),
        (f"{prefix}doi", pick("doi")),
        (f"{prefix}pmcid", pick("pmcid")),
        (f"{prefix}title", pick("title")),
        (f"{prefix}year", pick("year")),
        (f"{prefix}url", pick("url")),
    ]


THERAPY_COLUMNS = [
    ("slug", "slug"),
    ("name", "name"),
    ("drug_class", "drug_class"),
    ("molecular_target", "molecular_target"),
    ("regimen", "regimen"),
    ("irt_standing", "irt_standing"),
    ("approval_status", "approval_status"),
    ("summary", "summary"),
    ("mechanism", "mechanism"),
    ("safety_concerns", "safety_concerns"),
    ("url", "url"),
]
TRIAL_COLUMNS = [
    ("therapy", "therapy"),
    ("name", "name"),
    ("design", "design"),
    ("headline_result", "headline_result"),
    *_paper_columns("paper_", key=lambda row: row["paper"]),
]
POINT_COLUMNS = [
    ("therapy", "therapy"),
    ("cell_population", "cell_population"),
    ("depletion", "depletion"),
    ("nadir_time", "nadir_time"),
    ("nadir_time_unit", "nadir_time_unit"),
    ("nadir_statistic", "nadir_statistic"),
    ("recovery_months_min", "recovery_months_min"),
    ("recovery_months_max", "recovery_months_max"),
    ("recovery_statistic", "recovery_statistic"),
    ("proportion_recovered", "proportion_recovered"),
    ("recovery_definition", "recovery_definition"),
    ("note", "note"),
    ("source_quote", "source_quote"),
    *_paper_columns("source_", key=lambda row: row["source"]),
]
ITEM_COLUMNS = [
    ("id", "id"),
    ("therapy", lambda row: row["therapy"]["slug"]),
    ("note_type", "note_type"),
    ("study_design", "study_design"),
    ("direction", "direction"),
    ("population_phenotype", lambda row: row["population"]["phenotype"]),
    ("population_patients", lambda row: row["population"]["patients"]),
    ("outcome_measure", lambda row: row["outcome"]["measure"]),
    ("outcome_value", lambda row: row["outcome"]["value"]),
    ("statement", "statement"),
    ("needs_review", "needs_review"),
    ("cited_pmids", lambda row: [c["paper"]["pmid"] for c in row["citations"]]),
    ("cited_dois", lambda row: [c["paper"]["doi"] for c in row["citations"]]),
    ("updated_at", "updated_at"),
    ("url", "url"),
]
CITATION_COLUMNS = [
    ("evidence_item_id", "evidence_item_id"),
    ("paper_id", "id"),
    *_paper_columns(),
    ("is_retracted", "is_retracted"),
    ("quote", "quote"),
    ("quote_section", "quote_section"),
]
PAPER_COLUMNS = [
    ("id", "id"),
    *_paper_columns()[:3],
    ("title", "title"),
    ("authors", lambda row: [a["name"] for a in row["authors"]]),
    ("journal", lambda row: (row["journal"] or {}).get("title")),
    ("journal_abbreviation", "journal_abbreviation"),
    ("volume", "volume"),
    ("issue", "issue"),
    ("pages", "pages"),
    ("year", "year"),
    ("pub_date", "pub_date"),
    ("publication_types", "publication_types"),
    ("is_retracted", "is_retracted"),
    ("has_erratum", "has_erratum"),
    ("has_expression_of_concern", "has_expression_of_concern"),
    ("url", "url"),
]
