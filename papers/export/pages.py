"""Page ranges written out in full: PubMed's MedlinePgn "1819-28" becomes "1819-1828".

MEDLINE abbreviates the last page of a range; reference managers and citation styles expect
both ends in full (BibTeX styles print "1819--28" otherwise). Only what is certain is expanded:
anything else (roman numerals, "123a-5", an end that would fall before the start) is left as
PubMed gives it.
"""

from __future__ import annotations

import re

# One range: an optional letter prefix ("e", "S", "A"), digits, a dash, and the end, which may
# repeat the prefix ("S1-S5") or leave it out ("S1-5").
_RANGE = re.compile(r"^([A-Za-z]*)(\d+)\s*[-\u2010-\u2015]\s*([A-Za-z]*)(\d+)$")


def expand_page_range(pages: str) -> str:
    """Return ``pages`` with every abbreviated range written out; unchanged where unsure.

    "1819-28" -> "1819-1828", "123-4" -> "123-124", "S1-5" -> "S1-S5", "e123" -> "e123";
    several ranges ("1-5, 9-12") are expanded one by one.
    """
    if not pages or not pages.strip():
        return pages
    parts = [part.strip() for part in pages.split(",")]
    return ", ".join(_expand_one(part) for part in parts)


def _expand_one(part: str) -> str:
    match = _RANGE.match(part)
    if match is None:
        return part
    prefix, start, end_prefix, end = match.groups()
    if end_prefix and end_prefix.lower() != prefix.lower():
        return part
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    if int(end) < int(start):
        return part
    return f"{prefix}{start}-{prefix}{end}"
