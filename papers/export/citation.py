"""A formatted citation in the NLM (Vancouver) style of PubMed's "Cite" box.

citeproc-py with the CSL "nlm-citation-sequence" style was tried first: version 0.11 drops the
space between year and month ("2020Jan") and numbers the entry, and PubMed's box adds the Epub
date and PMID/PMCID, which the CSL style has no place for. The NLM layout is fixed and short,
so it is written out here.
"""

from __future__ import annotations

from papers.markup import strip_tags
from papers.models import Paper


def format_nlm_citation(paper: Paper) -> str:
    """Return the citation as PubMed's Cite box prints it in NLM format."""
    parts = []
    authors = _authors(paper)
    if authors:
        parts.append(authors + ".")
    title = strip_tags(paper.title)
    if title:
        parts.append(title if title[-1] in ".?!" else title + ".")
    parts.append(_source(paper))
    if paper.doi:
        parts.append(f"doi: {paper.doi}.")
    if paper.epub_date and paper.publication_status != "epublish":
        parts.append(f"Epub {paper.epub_date_display}.")
    identifiers = []
    if paper.pmid:
        identifiers.append(f"PMID: {paper.pmid}")
    if paper.pmcid:
        identifiers.append(f"PMCID: {paper.pmcid}")
    if identifiers:
        parts.append("; ".join(identifiers) + ".")
    return " ".join(part for part in parts if part)


def _authors(paper: Paper) -> str:
    names = []
    for authorship in sorted(paper.authorships.all(), key=lambda item: item.position):
        author = authorship.author
        if author.collective_name:
            names.append(author.collective_name)
            continue
        initials = author.initials or "".join(
            word[0] for word in author.fore_name.replace("-", " ").split() if word
        )
        name = " ".join(part for part in (author.last_name, initials) if part)
        names.append(f"{name} {author.suffix}".strip() if author.suffix else name)
    return ", ".join(names)


def _source(paper: Paper) -> str:
    """Return "Nat Rev Neurol. 2020 Jan;16(1):56-62." (or the book's equivalent)."""
    if paper.journal_id is None and paper.book_title:
        book = strip_tags(paper.book_title)
        publisher = f" {paper.publisher};" if paper.publisher else ""
        return f"In: {book}.{publisher} {paper.pub_date_display}.".replace(" .", ".")
    journal = ""
    if paper.journal_id:
        journal = paper.journal.medline_ta or paper.journal.iso_abbreviation or paper.journal.title
    locator = paper.pub_date_display
    if paper.volume:
        locator += f";{paper.volume}"
    if paper.issue:
        locator += f"({paper.issue})"
    if paper.pages:
        locator += f":{paper.pages}"
    return " ".join(part for part in (f"{journal}." if journal else "", f"{locator}.") if part)
