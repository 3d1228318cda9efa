"""Retractions, corrections and expressions of concern from two sources, merged.

PubMed says so through CommentsCorrections (PaperLink rows: RetractionIn on the paper, or a
notice's RetractionOf naming it); Crossref through ``updated-by`` relations on the work, which
carry the Retraction Watch database's notices as well as publishers' (kept on the paper's
CrossrefRecord). ``apply_crossref_notices`` turns Crossref's into the paper's flags (flags only
ever go from False to True, as the PubMed upsert's do) and puts the evidence items citing a
newly flagged paper up for review, as a PubMed refresh does. ``notice_report`` says, per
flag, which sources report it and when, and where the two disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from papers.content_version import mark_content_changed
from papers.models import CrossrefRecord, EvidenceNote, Paper, PaperChange, PaperLink, RefreshJob
from papers.models.crossref import CROSSREF, PUBMED
from papers.quotes import record_flag_event

# Crossref update types (https://api.crossref.org/types is for works; these are Crossmark's).
CROSSREF_FLAGS = {
    "retraction": "is_retracted",
    "partial_retraction": "is_retracted",
    "withdrawal": "is_retracted",
    "removal": "is_retracted",
    "correction": "has_erratum",
    "erratum": "has_erratum",
    "corrigendum": "has_erratum",
    "expression_of_concern": "has_expression_of_concern",
}
PUBMED_LINKS: dict[str, str] = {
    PaperLink.Kind.RETRACTION_IN: "is_retracted",
    PaperLink.Kind.RETRACTED_AND_REPUBLISHED_IN: "is_retracted",
    PaperLink.Kind.ERRATUM_IN: "has_erratum",
    PaperLink.Kind.EXPRESSION_OF_CONCERN_IN: "has_expression_of_concern",
}
PUBMED_NOTICES: dict[str, str] = {
    PaperLink.Kind.RETRACTION_OF: "is_retracted",
    PaperLink.Kind.ERRATUM_FOR: "has_erratum",
    PaperLink.Kind.EXPRESSION_OF_CONCERN_FOR: "has_expression_of_concern",
}
FLAG_NAMES = {
    "is_retracted": "retraction",
    "has_erratum": "correction",
    "has_expression_of_concern": "expression of concern",
}


@dataclass(frozen=True)
class Report:
    """One source reporting one flag."""

    source: str  # PUBMED or CROSSREF
    date: str = ""  # ISO date, when the source gives one (Crossref does; PubMed's links do not)
    detail: str = ""  # "Retraction Watch", "publisher", "notice doi:...", "PMID ..."


@dataclass
class NoticeReport:
    reports: dict[str, list[Report]] = field(default_factory=dict)  # {flag: [Report, ...]}
    disagreements: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.reports or self.disagreements)


def crossref_reports(record: CrossrefRecord) -> dict[str, list[Report]]:
    reports: dict[str, list[Report]] = {}
    for update in record.updates:
        flag = CROSSREF_FLAGS.get(update.get("kind", ""))
        if update.get("relation") != "updated-by" or flag is None:
            continue
        detail = _who(update.get("source", ""))
        if update.get("doi"):
            detail = (
                f"{detail}, notice doi:{update['doi']}" if detail else f"notice doi:{update['doi']}"
            )
        reports.setdefault(flag, []).append(
            Report(source=CROSSREF, date=update.get("date") or "", detail=detail)
        )
    return reports


def pubmed_reports(links: Iterable[PaperLink], incoming: Iterable[PaperLink]) -> dict:
    """Return PubMed's reports from the paper's own links and the notices naming it."""
    reports: dict[str, list[Report]] = {}
    for link in links:
        if link.kind in PUBMED_LINKS:
            detail = f"notice PMID {link.target_pmid}" if link.target_pmid else link.ref_source
            reports.setdefault(PUBMED_LINKS[link.kind], []).append(Report(PUBMED, detail=detail))
    for link in incoming:
        if link.kind in PUBMED_NOTICES:
            detail = f"notice PMID {link.source.pmid}"
            reports.setdefault(PUBMED_NOTICES[link.kind], []).append(Report(PUBMED, detail=detail))
    return reports


def notice_report(
    paper: Paper,
    *,
    record: CrossrefRecord | None,
    links: Iterable[PaperLink],
    incoming: Iterable[PaperLink],
) -> NoticeReport:
    """Return which sources report each flag of ``paper``, and where they disagree.

    ``links`` are the paper's own PaperLinks, ``incoming`` those naming its PMID (the paper
    page has both already). The sources can only disagree about a paper both describe: one
    with a PMID and a Crossref record (a DOI-only paper PubMed later took over).
    """
    from_crossref = crossref_reports(record) if record else {}
    from_pubmed = pubmed_reports(links, incoming)
    report = NoticeReport()
    for flag in FLAG_NAMES:
        both = [*from_pubmed.get(flag, []), *from_crossref.get(flag, [])]
        if both:
            report.reports[flag] = both
        if record is None or paper.pmid is None:
            continue
        if flag in from_crossref and flag not in from_pubmed:
            report.disagreements.append(f"Crossref records a {FLAG_NAMES[flag]}; PubMed does not.")
        elif flag in from_pubmed and flag not in from_crossref:
            report.disagreements.append(f"PubMed records a {FLAG_NAMES[flag]}; Crossref does not.")
    return report


def crossref_record(paper: Paper) -> CrossrefRecord | None:
    try:
        return paper.crossref
    except CrossrefRecord.DoesNotExist:
        return None


def disagreeing_papers() -> list[tuple[Paper, list[str]]]:
    """Return papers both sources describe whose notices disagree (the curators' queue).

    Only papers with a Crossref record and a PMID can disagree; there are few of them.
    """
    candidates = Paper.objects.filter(crossref__isnull=False, pmid__isnull=False)
    found = []
    for paper in candidates.select_related("crossref").prefetch_related("links"):
        incoming = PaperLink.objects.filter(target_pmid=paper.pmid).select_related("source")
        report = notice_report(
            paper, record=paper.crossref, links=paper.links.all(), incoming=incoming
        )
        if report.disagreements:
            found.append((paper, report.disagreements))
    return found


def apply_crossref_notices(*, paper_ids: Iterable[int], job: RefreshJob | None) -> set[int]:
    """Set the flags Crossref's notices call for; flag the items citing newly flagged papers."""
    newly: set[int] = set()
    changes = []
    for record in CrossrefRecord.objects.filter(paper_id__in=list(paper_ids)).select_related(
        "paper"
    ):
        paper = record.paper
        raised = [f for f in crossref_reports(record) if not getattr(paper, f)]
        if not raised:
            continue
        for flag in raised:
            changes.append(
                PaperChange(paper=paper, job=job, field=flag, old_value=False, new_value=True)
            )
        Paper.objects.filter(pk=paper.pk).update(**dict.fromkeys(raised, True))
        newly.add(paper.pk)
    PaperChange.objects.bulk_create(changes)
    _flag_citing_items(newly)
    if newly:
        mark_content_changed()
    return newly


def _flag_citing_items(paper_ids: set[int]) -> None:
    if not paper_ids:
        return
    records = {r.paper_id: r for r in CrossrefRecord.objects.filter(paper_id__in=paper_ids)}
    reasons_by_paper = {
        pk: [
            f"doi:{record.doi}: a cited paper has a {FLAG_NAMES[flag]} "
            f"(Crossref{', ' + reports[0].detail if reports[0].detail else ''}"
            f"{', ' + reports[0].date if reports[0].date else ''})"
            for flag, reports in crossref_reports(record).items()
        ]
        for pk, record in records.items()
    }
    notes = EvidenceNote.objects.filter(papers__in=paper_ids).distinct().prefetch_related("papers")
    for note in notes:
        reasons = [r for p in note.papers.all() for r in reasons_by_paper.get(p.pk, [])]
        new_reasons = [r for r in reasons if r not in note.review_reason]
        if not new_reasons:
            continue
        note.needs_review = True
        note.review_reason = "\n".join(filter(None, [note.review_reason, *new_reasons]))
        note._change_reason = "flagged by a Crossref notice"
        note.save(update_fields=["needs_review", "review_reason", "updated_at"])
        record_flag_event(note=note, reasons=new_reasons)


def _who(source: str) -> str:
    return {"retraction-watch": "Retraction Watch", "publisher": "publisher"}.get(source, source)
