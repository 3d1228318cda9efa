""" "Check my bibliography": which entries of an uploaded .bib, .ris or CSL-JSON file irtkb
knows, which are flagged, which differ from PubMed's record, and which evidence rests on them.

``check_bibliography(*, file_bytes, filename)`` is the one entry point (the page and the API
both call it); ``parse`` reads the file with the libraries the exports write with, ``report``
matches the entries and builds the answer.
"""

from papers.bibcheck.parse import MAX_ENTRIES, MAX_UPLOAD_BYTES, BibliographyFileError
from papers.bibcheck.report import BibliographyReport, EntryResult, check_bibliography

__all__ = [
    "MAX_ENTRIES",
    "MAX_UPLOAD_BYTES",
    "BibliographyFileError",
    "BibliographyReport",
    "EntryResult",
    "check_bibliography",
]
