"""Free-text esearch over the fixtures, with date windows, for watched searches offline.

A small stand-in for PubMed's query language, enough for queries such as
``alemtuzumab AND "multiple sclerosis"`` or ``(rituximab OR ocrelizumab) AND sclerosis``:
parts joined by AND must all match, alternatives inside parentheses joined by OR need one;
a part matches when its words appear, as a phrase, in the record's title, abstract, keywords
or MeSH headings (case-insensitive; a field tag such as ``[tiab]`` is ignored). NOT, wildcards
and automatic term mapping are beyond it: a query it cannot read matches nothing.

Dates (``datetype``/``mindate``/``maxdate``): ``edat`` is the record's PubMedPubDate
``entrez`` when the fixture has one, else its electronic ArticleDate, else its PubDate;
``pdat`` is its PubDate. Fixtures without History dates are thereby dated by publication.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

_AND = re.compile(r"\s+AND\s+")
_OR = re.compile(r"\s+OR\s+")
_TAG = re.compile(r"\[[A-Za-z ]+\]")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}


class BadDate(ValueError):
    """A mindate/maxdate NCBI would refuse."""


@dataclass(frozen=True)
class SearchableRecord:
    text: str
    edat: dt.date | None
    pdat: dt.date | None


def matches(term: str, record: SearchableRecord) -> bool:
    """Return True when every AND part of ``term`` has an alternative found in the record."""
    for part in _AND.split(term.strip()):
        alternatives = [_phrase(a) for a in _OR.split(part.strip().strip("()"))]
        if not any(a and a in record.text for a in alternatives):
            return False
    return True


def in_window(
    record: SearchableRecord, datetype: str, mindate: dt.date | None, maxdate: dt.date | None
) -> bool:
    """Return True when the record's ``datetype`` date is within the (inclusive) window."""
    if mindate is None and maxdate is None:
        return True
    day = record.pdat if datetype == "pdat" else record.edat
    if day is None:
        return False
    return (mindate is None or day >= mindate) and (maxdate is None or day <= maxdate)


def parse_date(text: str | None) -> dt.date | None:
    """Read NCBI's YYYY, YYYY/MM or YYYY/MM/DD; a bare year or month means its first day."""
    if not text:
        return None
    parts = text.strip().split("/")
    try:
        numbers = [int(p) for p in parts]
        return dt.date(numbers[0], *([*numbers[1:], 1, 1])[:2])
    except (ValueError, TypeError) as exc:
        raise BadDate(f"Invalid date: {text}") from exc


@lru_cache(maxsize=200_000)
def searchable(xml: bytes) -> SearchableRecord:
    """Read the searchable text and dates of one fixture record (kept: fixtures never change)."""
    element = etree.fromstring(xml)
    pieces = element.xpath(
        ".//ArticleTitle//text() | .//AbstractText//text() | .//Keyword//text()"
        " | .//MeshHeading/DescriptorName//text() | .//BookTitle//text()"
    )
    text = " ".join(" ".join(pieces).lower().split())
    pdat = _date(element.find(".//Article/Journal/JournalIssue/PubDate"))
    edat = (
        _date(element.find(".//History/PubMedPubDate[@PubStatus='entrez']"))
        or _date(element.find(".//Article/ArticleDate"))
        or pdat
    )
    return SearchableRecord(text=text, edat=edat, pdat=pdat)


def similar(pmid: int, records: dict, *, limit: int = 20) -> list[int]:
    """Stand in for "similar articles" (pubmed_pubmed): the other fixture records sharing the
    most words of five letters or more with this one's title and abstract, at least three."""
    own = _words(searchable(records[pmid].xml).text)
    scored = []
    for other, record in records.items():
        if other != pmid:
            shared = len(own & _words(searchable(record.xml).text))
            if shared >= 3:
                scored.append((shared, other))
    return [other for _, other in sorted(scored, reverse=True)[:limit]]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text) if len(w) >= 5}


def _phrase(text: str) -> str:
    return " ".join(_TAG.sub(" ", text).strip().strip('"').lower().split())


def _date(node: etree._Element | None) -> dt.date | None:
    if node is None:
        return None
    year = (node.findtext("Year") or "").strip()
    if not year.isdigit():
        return None
    month_text = (node.findtext("Month") or "1").strip()
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text[:3].lower(), 1)
    day_text = (node.findtext("Day") or "1").strip()
    try:
        return dt.date(int(year), month, int(day_text) if day_text.isdigit() else 1)
    except ValueError:
        return None
