"""Load the bundled dataset (papers/dataset/): the review, its references, therapies and notes.

Papers go through the same parse-and-upsert path as a PubMed refresh. Loading twice changes
nothing; a note a curator has edited since it was loaded is left as the curator left it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from papers.ingest import sync_reference_list, upsert_papers
from papers.intake.dataset import load_watched_searches
from papers.models import (
    Citation,
    EvidenceNote,
    Paper,
    PivotalTrial,
    ReconstitutionPoint,
    Therapy,
)
from papers.models.evidence import citation_record
from papers.pubmed import parse_pubmed_xml
from papers.quotes import locate_quote
from papers.search.index import update_search_vectors_for_notes

DATASET_DIR = Path(__file__).resolve().parent / "dataset"
REVIEW_PMID = 31649335

THERAPY_FIELDS = (
    "name",
    "position",
    "summary",
    "drug_class",
    "molecular_target",
    "mechanism",
    "regimen",
    "regimen_detail",
    "irt_standing",
    "irt_standing_detail",
    "approval_status",
    "safety_concerns",
)


class DatasetError(Exception):
    """The bundled dataset is inconsistent (e.g. a note cites a paper that is not bundled)."""


@dataclass
class LoadReport:
    papers_new: int = 0
    papers_changed: int = 0
    papers_unchanged: int = 0
    references: int = 0
    therapies_written: int = 0
    notes_written: int = 0
    notes_kept: list[str] = field(default_factory=list)
    watched_searches: int = 0

    def lines(self) -> list[str]:
        return [
            f"papers: {self.papers_new} new, {self.papers_changed} changed, "
            f"{self.papers_unchanged} unchanged",
            f"review references: {self.references}",
            f"therapies written: {self.therapies_written}",
            f"evidence notes written: {self.notes_written}"
            + (f" (kept {len(self.notes_kept)} edited by curators)" if self.notes_kept else ""),
            f"watched searches created: {self.watched_searches}",
        ]


@transaction.atomic
def load_dataset(directory: Path = DATASET_DIR) -> LoadReport:
    """Load every bundled paper, the review's reference list, therapies and notes."""
    report = LoadReport()
    records = []
    for path in sorted((directory / "pubmed").glob("*.xml")):
        result = parse_pubmed_xml(path.read_bytes(), source=path.name)
        if result.errors:
            raise DatasetError(f"{path.name}: {result.errors[0].label}: {result.errors[0].reason}")
        records.extend(result.records)
    summary = upsert_papers(records=records)
    report.papers_new = len(summary.new)
    report.papers_changed = len(summary.changed)
    report.papers_unchanged = len(summary.unchanged)

    review_record = next((r for r in records if r.pmid == REVIEW_PMID), None)
    if review_record is None:
        raise DatasetError(f"the review (PMID {REVIEW_PMID}) is not in {directory / 'pubmed'}")
    review = Paper.objects.get(pmid=REVIEW_PMID)
    sync_reference_list(review=review, references=review_record.references)
    report.references = len(review_record.references)

    content = yaml.safe_load((directory / "therapies.yaml").read_text(encoding="utf-8"))
    papers = Paper.objects.in_bulk(field_name="pmid")
    for item in content.get("therapies", []):
        if _load_therapy(item, papers):
            report.therapies_written += 1
    written_notes: list[int] = []
    for item in content.get("notes", []):
        outcome, note_id = _load_note(item, papers)
        if outcome == "written":
            report.notes_written += 1
            written_notes.append(note_id)
        elif outcome == "kept":
            report.notes_kept.append(item["key"])
    # Published note text is part of the cited papers' search vectors.
    update_search_vectors_for_notes(note_ids=written_notes)
    report.watched_searches = load_watched_searches(directory / "watched_searches.yaml")
    return report


def _paper(papers: dict[int, Paper], pmid: Any, where: str) -> Paper:
    try:
        return papers[int(pmid)]
    except (KeyError, TypeError, ValueError):
        raise DatasetError(f"{where} cites PMID {pmid!r}, which is not bundled") from None


def _assign(instance, values: dict) -> bool:
    """Set ``values`` on ``instance``; return whether anything differed."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _load_therapy(item: dict, papers: dict[int, Paper]) -> bool:
    therapy = Therapy.objects.filter(slug=item["slug"]).first() or Therapy(slug=item["slug"])
    values = {name: item.get(name, "") for name in THERAPY_FIELDS}
    values["position"] = int(item.get("position") or 0)
    written = _assign(therapy, values) or therapy.pk is None
    if written:
        therapy.full_clean(exclude=["pivotal_papers"])
        therapy.save()

    for position, trial in enumerate(item.get("pivotal_trials", []), start=1):
        paper = _paper(papers, trial.get("pmid"), f"therapy {therapy.slug} trial {trial['name']}")
        row = PivotalTrial.objects.filter(therapy=therapy, paper=paper).first() or PivotalTrial(
            therapy=therapy, paper=paper
        )
        values = {
            "name": trial["name"],
            "position": position,
            "design": trial.get("design", ""),
            "headline_result": trial.get("headline_result", ""),
        }
        if _assign(row, values) or row.pk is None:
            row.save()
            written = True

    points = item.get("reconstitution", [])
    for position, point in enumerate(points, start=1):
        if _load_point(therapy, position, point, papers):
            written = True
    # A point dropped from the YAML goes from the database too, so the chart shows the dataset.
    stale = therapy.reconstitution_points.filter(position__gt=len(points))
    if stale.exists():
        stale.delete()
        written = True
    return written


def _load_point(therapy: Therapy, position: int, point: dict, papers: dict[int, Paper]) -> bool:
    """Create or update one reconstitution point; return whether anything was written."""
    where = f"therapy {therapy.slug} reconstitution {point.get('cell_population')!r}"
    source = _paper(papers, point.get("source_pmid"), where)
    quote = " ".join((point.get("source_quote") or "").split())
    if quote and locate_quote(source, quote) is None:
        raise DatasetError(f"{where}: the source quote is not in the title or abstract of {source}")
    row = ReconstitutionPoint.objects.filter(therapy=therapy, position=position).first()
    row = row or ReconstitutionPoint(therapy=therapy, position=position)
    values = {
        "cell_population": point["cell_population"],
        "depletion": point.get("depletion", ""),
        "nadir_time": _decimal(point.get("nadir_time")),
        "nadir_time_unit": point.get("nadir_time_unit", ""),
        "nadir_statistic": point.get("nadir_statistic", ""),
        "recovery_months_min": _decimal(point.get("recovery_months_min")),
        "recovery_months_max": _decimal(point.get("recovery_months_max")),
        "recovery_statistic": point.get("recovery_statistic", ""),
        "proportion_recovered": _decimal(point.get("proportion_recovered")),
        "recovery_definition": point.get("recovery_definition", ""),
        "note": " ".join((point.get("note") or "").split()),
        "source_id": source.pk,
        "source_quote": quote,
    }
    if not (_assign(row, values) or row.pk is None):
        return False
    try:
        row.full_clean(exclude=["therapy", "source"])
    except ValidationError as exc:
        raise DatasetError(f"{where}: {exc.messages[0]}") from None
    row.save()
    return True


def _load_note(item: dict, papers: dict[int, Paper]) -> tuple[str, int]:
    """Create or update one item; return ("written" | "unchanged" | "kept", its id)."""
    where = f"note {item['key']}"
    cited = [_citation(entry, papers, where) for entry in item.get("cites", [])]
    if not cited:
        raise DatasetError(f"{where} cites no paper")
    therapy = Therapy.objects.get(slug=item["therapy"])
    note = EvidenceNote.objects.filter(dataset_key=item["key"]).first()
    if note is not None and (note.author_id is not None or note.version > 1):
        return "kept", note.pk
    note = note or EvidenceNote(dataset_key=item["key"])
    status = item.get("status", EvidenceNote.Status.PUBLISHED)
    values = {
        "therapy_id": therapy.pk,
        "statement": item["statement"].strip(),
        "note_type": item["type"],
        "status": status,
        **_structured_fields(item, where),
    }
    if status == EvidenceNote.Status.PUBLISHED and not note.published_version:
        values["published_version"] = 1
        values["published_at"] = timezone.now()
    values["citation_record"] = citation_record(cited)
    written = _assign(note, values) or note.pk is None
    if written:
        note.full_clean(exclude=["papers"])
        note._change_reason = "loaded from the bundled dataset"
        note.save()
    stored = [(c.paper_id, c.quote, c.quote_section) for c in note.citations.order_by("position")]
    if stored != [(paper.pk, quote, section) for paper, quote, section in cited]:
        note.citations.all().delete()
        Citation.objects.bulk_create(
            Citation(
                evidencenote=note,
                paper=paper,
                position=position,
                quote=quote,
                quote_section=section,
            )
            for position, (paper, quote, section) in enumerate(cited, start=1)
        )
        written = True
    return ("written" if written else "unchanged"), note.pk


def _citation(entry, papers: dict[int, Paper], where: str) -> tuple[Paper, str, str]:
    """Return (paper, quote, section) for one ``cites`` entry: a PMID or {pmid, quote}."""
    if not isinstance(entry, dict):
        return _paper(papers, entry, where), "", ""
    paper = _paper(papers, entry.get("pmid"), where)
    quote = " ".join((entry.get("quote") or "").split())
    if not quote:
        return paper, "", ""
    section = locate_quote(paper, quote)
    if section is None:
        raise DatasetError(f"{where}: the quote is not in the title or abstract of {paper}")
    return paper, quote, section


def _structured_fields(item: dict, where: str) -> dict:
    """Return the item's design, direction, population and outcome fields from the YAML."""
    population = item.get("population") or {}
    outcome = item.get("outcome") or {}
    follow_up = population.get("follow_up") or [None, ""]
    ci = outcome.get("ci") or [None, None]
    if len(follow_up) != 2 or len(ci) != 2:
        raise DatasetError(f"{where}: follow_up is [value, unit] and ci is [low, high]")
    return {
        "study_design": item.get("design", ""),
        "direction": item.get("direction", ""),
        "population_phenotype": population.get("phenotype", ""),
        "population_size": population.get("patients"),
        "follow_up_value": _decimal(follow_up[0]),
        "follow_up_unit": follow_up[1] or "",
        "outcome_measure": outcome.get("measure", ""),
        "outcome_value": _decimal(outcome.get("value")),
        "outcome_comparator": outcome.get("comparator", ""),
        "outcome_ci_low": _decimal(ci[0]),
        "outcome_ci_high": _decimal(ci[1]),
    }
