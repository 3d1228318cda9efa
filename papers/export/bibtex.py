"""BibTeX, written with bibtexparser; LaTeX escaping by pylatexenc (bibtexparser's own encoder).

Non-ASCII letters become LaTeX accents (Lünemann → L{\\"u}nemann) so classic BibTeX sorts and
prints them; characters with no LaTeX form (CJK, say) are kept as UTF-8 for biber.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

import bibtexparser
from bibtexparser.middlewares import AddEnclosingMiddleware
from bibtexparser.model import Entry, ExplicitComment, Field
from pylatexenc.latexencode import UnicodeToLatexEncoder

from papers.export.csl_json import paper_to_csl
from papers.models import Paper

MONTH_MACROS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# Protect words with a capital after the first letter (CD20, mRNA, McDonald) from BibTeX styles
# that lowercase titles.
_NEEDS_PROTECTION = re.compile(r"^.+[A-Z]|^[A-Z]{2,}|\d[A-Za-z]|[A-Za-z]\d")
_ENCODER = UnicodeToLatexEncoder(
    non_ascii_only=False,
    replacement_latex_protection="braces-almost-all",
    unknown_char_policy="keep",
    unknown_char_warning=False,
)
# pylatexenc logs each character it cannot encode; keeping them is the intended outcome.
logging.getLogger("pylatexenc.latexencode").setLevel(logging.ERROR)


def latex_escape(text: str) -> str:
    """Return text with LaTeX specials (& % $ # _ { } ~ ^ \\) and non-ASCII letters encoded."""
    return _ENCODER.unicode_to_latex(text)


def render_bibtex(papers: Iterable[Paper], *, note: str = "") -> str:
    """Return papers as BibTeX entries; ``note`` goes first as an @comment."""
    library = bibtexparser.Library()
    if note:
        library.add(ExplicitComment(note))
    keys: set[str] = set()
    for paper in papers:
        library.add(_entry(paper_to_csl(paper), keys))
    unparse_stack = [
        AddEnclosingMiddleware(
            reuse_previous_enclosing=False, enclose_integers=False, default_enclosing="{"
        )
    ]
    return bibtexparser.write_string(library, unparse_stack=unparse_stack)


def _entry(item: dict, taken_keys: set[str]) -> Entry:
    is_chapter = item["type"] == "chapter"
    fields = []
    if item.get("author"):
        fields.append(Field("author", " and ".join(_bibtex_name(name) for name in item["author"])))
    fields.append(Field("title", _protected_title(item.get("title", ""))))
    if item.get("container-title"):
        key = "booktitle" if is_chapter else "journal"
        fields.append(Field(key, latex_escape(item["container-title"])))
    date_parts = item.get("issued", {}).get("date-parts", [[]])[0]
    if date_parts:
        fields.append(Field("year", str(date_parts[0])))
    if len(date_parts) > 1:
        # A bare month macro, so each style prints the month in its own form.
        fields.append(Field("month", MONTH_MACROS[date_parts[1] - 1], enclosing="no-enclosing"))
    for csl_key, bib_key in (("volume", "volume"), ("issue", "number"), ("publisher", "publisher")):
        if item.get(csl_key):
            fields.append(Field(bib_key, latex_escape(item[csl_key])))
    if item.get("page"):
        fields.append(Field("pages", latex_escape(item["page"].replace("-", "--"))))
    if item.get("ISSN"):
        fields.append(Field("issn", item["ISSN"]))
    # Identifiers are written raw: DOIs may hold "_" or "%", which \url-style fields keep.
    for csl_key, bib_key in (("DOI", "doi"), ("PMID", "pmid"), ("PMCID", "pmcid")):
        if item.get(csl_key):
            fields.append(Field(bib_key, item[csl_key]))
    if item.get("note"):
        fields.append(Field("note", latex_escape(item["note"])))
    entry_type = "incollection" if is_chapter else "article"
    return Entry(entry_type, _citation_key(item, taken_keys), fields)


def _bibtex_name(name: dict) -> str:
    if "literal" in name:
        # Braces keep a collective name whole: BibTeX would otherwise split it into parts.
        return "{" + latex_escape(name["literal"]) + "}"
    parts = [latex_escape(name["family"])]
    if name.get("suffix"):
        parts.append(latex_escape(name["suffix"]))
    if name.get("given"):
        parts.append(latex_escape(name["given"]))
    return ", ".join(parts)


def _protected_title(title: str) -> str:
    words = []
    for word in title.split(" "):
        encoded = latex_escape(word)
        words.append("{" + encoded + "}" if _NEEDS_PROTECTION.search(word) else encoded)
    return " ".join(words)


def _citation_key(item: dict, taken: set[str]) -> str:
    """Return "Lunemann2020Immune": first author, year, first title word; unique in the file."""
    authors = item.get("author") or [{}]
    first = authors[0].get("family") or authors[0].get("literal") or "Anonymous"
    year = str((item.get("issued", {}).get("date-parts") or [[""]])[0][0] or "")
    title_word = next((word for word in _ascii(item.get("title", "")).split() if len(word) > 3), "")
    base = _ascii(first).replace(" ", "") + year + title_word[:1].upper() + title_word[1:]
    base = re.sub(r"[^A-Za-z0-9]", "", base) or "paper"
    key, suffix = base, ord("a")
    while key in taken:
        key = base + chr(suffix)
        suffix += 1
    taken.add(key)
    return key


# Letters NFKD does not decompose into an ASCII base letter.
_ASCII_LETTERS = str.maketrans(
    {
        "Ø": "O",
        "ø": "o",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "ß": "ss",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Þ": "Th",
        "þ": "th",
        "ı": "i",
    }
)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_LETTERS))
    return re.sub(r"[^A-Za-z0-9 ]", "", decomposed.encode("ascii", "ignore").decode())
