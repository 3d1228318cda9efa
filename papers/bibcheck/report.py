"""Match a bibliography's entries to irtkb's papers and say what irtkb knows about each.

Matching goes DOI (normalised), then PMID, then normalised title and year, as a reader's
reference manager may hold any of them. All lookups are a fixed number of queries for the
whole file, however many entries it has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models.functions import Lower

from papers.bibcheck.parse import FORMAT_LABELS, CitedEntry, parse_entries
from papers.markup import strip_tags
from papers.models import EvidenceNote, Paper
from papers.search.identifiers import normalise_doi

FLAG_LABELS = {
    "is_retracted": "retracted",
    "has_erratum": "corrected (erratum)",
    "has_expression_of_concern": "expression of concern",
}


def title_key(title: str) -> str:
    """Return a title as ``Paper.title_key`` holds it: no markup, lower case, one space for
    every run of punctuation and space (papers/models/bibliography.py: duplicate_title_key)."""
    text = re.sub(r"<[^>]*>", "", title or "")
    text = re.sub(r"&#?[a-z0-9]+;", " ", text, flags=re.IGNORECASE)
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def _journal_key(name: str) -> str:
    return re.sub(r"[\W_]+", "", (name or "").lower())


@dataclass
class EntryResult:
    """What irtkb knows about one entry of the file."""

    entry: CitedEntry
    paper: Paper | None = None
    matched_by: str = ""
    flags: list[str] = field(default_factory=list)
    # (field, the file's value, irtkb's value)
    differences: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[EvidenceNote] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.paper is not None

    def as_dict(self) -> dict:
        """Return the result as plain JSON-ready data."""
        data: dict = {
            "position": self.entry.position,
            "key": self.entry.key,
            "title": self.entry.title,
            "year": self.entry.year,
            "doi": self.entry.doi,
            "pmid": self.entry.pmid,
            "known": self.known,
        }
        if self.paper is not None:
            data.update(
                matched_by=self.matched_by,
                paper={
                    "id": self.paper.pk,
                    "pmid": self.paper.pmid,
                    "doi": self.paper.doi,
                    "title": strip_tags(self.paper.title),
                    "url": self.paper.get_absolute_url(),
                },
                flags=self.flags,
                differences=[
                    {"field": name, "yours": yours, "irtkb": ours}
                    for name, yours, ours in self.differences
                ],
                evidence=[
                    {
                        "id": note.pk,
                        "therapy": note.therapy.name,
                        "type": note.get_note_type_display(),
                        "url": f"{note.therapy.get_absolute_url()}#note-{note.pk}",
                    }
                    for note in self.notes
                ],
            )
        return data


@dataclass
class BibliographyReport:
    """The answer for one file."""

    format: str
    results: list[EntryResult]
    unreadable_blocks: int = 0

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS[self.format]

    @property
    def known(self) -> list[EntryResult]:
        return [r for r in self.results if r.known]

    @property
    def unknown(self) -> list[EntryResult]:
        return [r for r in self.results if not r.known]

    @property
    def flagged(self) -> list[EntryResult]:
        return [r for r in self.results if r.flags]

    @property
    def differing(self) -> list[EntryResult]:
        return [r for r in self.results if r.differences]

    @property
    def with_evidence(self) -> list[EntryResult]:
        return [r for r in self.results if r.notes]

    def as_dict(self) -> dict:
        """Return the report as plain JSON-ready data."""
        return {
            "format": self.format,
            "counts": {
                "entries": len(self.results),
                "known": len(self.known),
                "unknown": len(self.unknown),
                "flagged": len(self.flagged),
                "differing": len(self.differing),
                "with_evidence": len(self.with_evidence),
                "unreadable_blocks": self.unreadable_blocks,
            },
            "entries": [result.as_dict() for result in self.results],
        }


def check_bibliography(*, file_bytes: bytes, filename: str) -> BibliographyReport:
    """Return what irtkb knows about each entry of an uploaded bibliography file.

    Raises BibliographyFileError (with a message for the reader) when the file cannot be read.
    """
    kind, entries, failed = parse_entries(file_bytes=file_bytes, filename=filename)
    results = [EntryResult(entry=entry) for entry in entries]
    _match(results)
    matched = [r for r in results if r.paper is not None]
    notes = _published_notes({r.paper.pk for r in matched})
    for result in matched:
        paper = result.paper
        result.flags = [label for name, label in FLAG_LABELS.items() if getattr(paper, name)]
        result.differences = _differences(result.entry, paper)
        result.notes = notes.get(paper.pk, [])
    return BibliographyReport(format=kind, results=results, unreadable_blocks=failed)


def _papers():
    return Paper.objects.without_large_fields().select_related("journal")


def _match(results: list[EntryResult]) -> None:
    """Set ``paper`` and ``matched_by`` on every result irtkb can match."""
    dois = {id(r): normalise_doi(r.entry.doi) for r in results}
    wanted = {doi for doi in dois.values() if doi}
    by_doi: dict[str, Paper] = {}
    if wanted:
        for paper in _papers().alias(doi_lower=Lower("doi")).filter(doi_lower__in=wanted):
            by_doi[paper.doi.lower()] = paper
        missing = wanted - set(by_doi)
        if missing:  # DOIs stored with a doi.org prefix (see papers/search/identifiers.py)
            for paper in _papers().filter(doi_key__in=missing):
                by_doi[paper.doi_key] = paper
    pmids = {int(r.entry.pmid) for r in results if r.entry.pmid.isdigit()}
    by_pmid = {p.pmid: p for p in _papers().filter(pmid__in=pmids)} if pmids else {}
    for result in results:
        doi = dois[id(result)]
        if doi and doi in by_doi:
            result.paper, result.matched_by = by_doi[doi], "DOI"
        elif result.entry.pmid.isdigit() and int(result.entry.pmid) in by_pmid:
            result.paper, result.matched_by = by_pmid[int(result.entry.pmid)], "PMID"
    unmatched = [r for r in results if r.paper is None and r.entry.title and r.entry.year]
    keys = {title_key(r.entry.title) for r in unmatched} - {""}
    if not keys:
        return
    by_title: dict[tuple[str, int | None], Paper] = {}
    for paper in _papers().filter(title_key__in=keys):
        by_title.setdefault((paper.title_key, paper.pub_year), paper)
    for result in unmatched:
        paper = by_title.get((title_key(result.entry.title), result.entry.year))
        if paper is not None:
            result.paper, result.matched_by = paper, "title and year"


def _differences(entry: CitedEntry, paper: Paper) -> list[tuple[str, str, str]]:
    """Return the fields where the file and irtkb's (PubMed's) record disagree."""
    found = []
    ours_title = strip_tags(paper.title)
    if entry.title and ours_title and title_key(entry.title) != title_key(ours_title):
        found.append(("title", entry.title, ours_title))
    if entry.year and paper.pub_year and entry.year != paper.pub_year:
        found.append(("year", str(entry.year), str(paper.pub_year)))
    journal = paper.journal
    if entry.journal and journal is not None:
        names = {journal.title, journal.iso_abbreviation, journal.medline_ta}
        if _journal_key(entry.journal) not in {_journal_key(n) for n in names if n}:
            found.append(("journal", entry.journal, journal.title))
    theirs, ours = normalise_doi(entry.doi), normalise_doi(paper.doi)
    if theirs and ours and theirs != ours:
        found.append(("DOI", entry.doi, paper.doi))
    return found


def _published_notes(paper_ids: set[int]) -> dict[int, list[EvidenceNote]]:
    """Return {paper id: published notes citing it} in one query."""
    if not paper_ids:
        return {}
    links = (
        EvidenceNote.papers.through.objects.filter(
            paper_id__in=paper_ids, evidencenote__status=EvidenceNote.Status.PUBLISHED
        )
        .select_related("evidencenote__therapy")
        .order_by("evidencenote__therapy__position", "evidencenote_id")
    )
    notes: dict[int, list[EvidenceNote]] = {}
    for link in links:
        notes.setdefault(link.paper_id, []).append(link.evidencenote)
    return notes
