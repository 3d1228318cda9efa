"""Read an uploaded bibliography (.bib, .ris, CSL-JSON) into plain ``CitedEntry`` values.

BibTeX with bibtexparser v2 and RIS with rispy, the libraries papers/export writes with, and
CSL-JSON with json. Every failure becomes a ``BibliographyFileError`` whose message can be
shown to the reader as it is; nothing a library raises reaches a page.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

import bibtexparser
import rispy
from pylatexenc.latex2text import LatexNodes2Text

# Limits: a reader's bibliography, not a database dump; both bound the work one upload costs.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 5000
FORMAT_LABELS = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON"}
_EXTENSIONS = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".json": "csl-json"}
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)")
_PMID_NOTE = re.compile(r"\bPMID\s*:?\s*(\d{1,9})\b", re.IGNORECASE)
_LATEX = LatexNodes2Text()
# pylatexenc warns about every macro it does not know; unknown ones are kept as text.
logging.getLogger("pylatexenc.latexwalker").setLevel(logging.ERROR)
logging.getLogger("pylatexenc.latex2text").setLevel(logging.ERROR)


class BibliographyFileError(ValueError):
    """The file cannot be read as a bibliography; the message says why, for the reader."""


@dataclass(frozen=True)
class CitedEntry:
    """One entry as the reader's file gives it (plain text, nothing trusted)."""

    position: int
    key: str
    title: str
    year: int | None
    journal: str
    doi: str
    pmid: str
    pmcid: str


def parse_entries(*, file_bytes: bytes, filename: str) -> tuple[str, list[CitedEntry], int]:
    """Return (format, entries, number of unreadable blocks) of an uploaded file."""
    if len(file_bytes) > MAX_UPLOAD_BYTES:
        raise BibliographyFileError(
            f"The file is {len(file_bytes) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB."
        )
    text = _decode(file_bytes)
    if not text.strip():
        raise BibliographyFileError("The file is empty.")
    kind = _format_of(filename, text)
    reader = {"bibtex": _bibtex, "ris": _ris, "csl-json": _csl_json}[kind]
    entries, failed = reader(text)
    if not entries:
        raise BibliographyFileError(
            f"No entries could be read from this file as {FORMAT_LABELS[kind]}. Check that it "
            "is a .bib, .ris or CSL-JSON export from a reference manager."
        )
    if len(entries) > MAX_ENTRIES:
        raise BibliographyFileError(
            f"The file holds {len(entries)} entries; at most {MAX_ENTRIES} are checked at once. "
            "Split it into smaller files."
        )
    return kind, entries, failed


def _decode(file_bytes: bytes) -> str:
    if b"\x00" in file_bytes[:4096]:
        raise BibliographyFileError("This is not a text file (it holds binary data).")
    try:
        return file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older .bib and .ris files are often Latin-1 or Windows-1252; every byte decodes.
        return file_bytes.decode("cp1252", errors="replace")


def _format_of(filename: str, text: str) -> str:
    lowered = filename.lower()
    for extension, kind in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return kind
    start = text.lstrip()[:1]
    if start in "[{":
        return "csl-json"
    if re.search(r"^TY  - ", text, re.MULTILINE):
        return "ris"
    if "@" in text:
        return "bibtex"
    raise BibliographyFileError(
        "The format of the file is not recognised: upload a .bib (BibTeX), .ris or .json "
        "(CSL-JSON) file."
    )


def _plain(text: object) -> str:
    return " ".join(str(text or "").split())


def _year(value: object) -> int | None:
    match = _YEAR.search(str(value or ""))
    return int(match.group(1)) if match else None


def _bibtex(text: str) -> tuple[list[CitedEntry], int]:
    try:
        library = bibtexparser.parse_string(text)
    except Exception as error:  # bibtexparser raises several unrelated types on bad input
        raise BibliographyFileError("The file could not be read as BibTeX.") from error
    entries = []
    for position, entry in enumerate(library.entries, start=1):
        fields = {key.lower(): value.value for key, value in entry.fields_dict.items()}
        pmid = fields.get("pmid", "")
        if not pmid and fields.get("eprinttype", "").lower() == "pubmed":
            pmid = fields.get("eprint", "")
        entries.append(
            CitedEntry(
                position=position,
                key=_plain(entry.key),
                title=_delatex(fields.get("title", "")),
                year=_year(fields.get("year") or fields.get("date")),
                journal=_delatex(fields.get("journal") or fields.get("journaltitle", "")),
                doi=_plain(fields.get("doi")),
                pmid=_plain(pmid),
                pmcid=_plain(fields.get("pmcid")),
            )
        )
    return entries, len(library.failed_blocks)


def _delatex(value: str) -> str:
    try:
        return _plain(_LATEX.latex_to_text(value))
    except Exception:  # pylatexenc gives up on some malformed input; the raw text is kept
        return _plain(value.replace("{", "").replace("}", ""))


def _ris(text: str) -> tuple[list[CitedEntry], int]:
    try:
        records = rispy.loads(text)
    except Exception as error:  # rispy raises on unknown tags in strict places, among others
        raise BibliographyFileError("The file could not be read as RIS.") from error
    entries = []
    for position, record in enumerate(records, start=1):
        notes = " ".join(str(note) for note in record.get("notes", []) or [])
        pmid = ""
        accession = _plain(record.get("accession_number"))
        if accession.isdigit():
            pmid = accession
        elif match := _PMID_NOTE.search(notes):
            pmid = match.group(1)
        entries.append(
            CitedEntry(
                position=position,
                key=_plain(record.get("id")),
                title=_plain(record.get("title") or record.get("primary_title")),
                year=_year(record.get("year") or record.get("publication_year")),
                journal=_plain(
                    record.get("secondary_title")
                    or record.get("journal_name")
                    or record.get("alternate_title3")
                    or record.get("alternate_title1")
                ),
                doi=_plain(record.get("doi")),
                pmid=pmid,
                pmcid="",
            )
        )
    # Lines outside a TY…ER record are skipped by rispy without telling; none is counted.
    return entries, 0


def _csl_json(text: str) -> tuple[list[CitedEntry], int]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BibliographyFileError(
            f"The file is not valid JSON (line {error.lineno}, column {error.colno})."
        ) from error
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise BibliographyFileError("A CSL-JSON file holds a list of items; this one does not.")
    entries, failed = [], 0
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            failed += 1
            continue
        issued = item.get("issued") if isinstance(item.get("issued"), dict) else {}
        parts = issued.get("date-parts") or [[]]
        year = None
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            year = _year(parts[0][0])
        elif issued.get("raw") or issued.get("literal"):
            year = _year(issued.get("raw") or issued.get("literal"))
        entries.append(
            CitedEntry(
                position=position,
                key=_plain(item.get("id")),
                title=_plain(item.get("title")),
                year=year,
                journal=_plain(item.get("container-title")),
                doi=_plain(item.get("DOI")),
                pmid=_plain(item.get("PMID")),
                pmcid=_plain(item.get("PMCID")),
            )
        )
    return entries, failed
