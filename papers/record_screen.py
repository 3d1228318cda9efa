"""Check a parsed PubMed record against what the database can hold, before it is written.

One malformed record (a 150-character page field, a year 20019, a DOI that is not one) must
fail alone, with its PMID and a reason in words, not abort the batch it came in with when
PostgreSQL refuses the INSERT. Limits are read from the models, so they cannot drift from
the schema; nothing is cut to fit (a cut value would be silently wrong).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from django.db import models

from papers.models import Author, Journal, MeshDescriptor, Paper, PaperLink, Reference
from papers.pubmed import PaperRecord
from papers.pubmed.identifiers import doi_problem, pmid_problem

# dt.date covers 1..9999; PubMed's oldest records are from the 1700s.
YEAR_RANGE = (1000, 9999)


def screen_records(
    records: Sequence[PaperRecord],
) -> tuple[list[PaperRecord], dict[int, str]]:
    """Return (records that fit, {PMID: reason} for those that do not)."""
    fit, refused = [], {}
    for record in records:
        problem = record_problem(record)
        if problem:
            refused[record.pmid] = problem
        else:
            fit.append(record)
    return fit, refused


def record_problem(record: PaperRecord) -> str | None:
    """Return why ``record`` cannot be stored as it is, in words, or None if it can."""
    if problem := pmid_problem(record.pmid):
        return problem
    if record.doi and (problem := doi_problem(record.doi)):
        return f"PubMed's DOI {problem}"
    year = record.pub_date.year
    if year is not None and not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return f"the publication year {year} is not a year"
    return _first(_length_problems(record))


def _first(problems: Iterable[str]) -> str | None:
    return next(iter(problems), None)


@functools.cache
def _limit(model: type[models.Model], name: str) -> int | None:
    """Return the column's (or an ArrayField item's) max_length; read once per process."""
    field = model._meta.get_field(name)
    item = getattr(field, "base_field", None)  # an ArrayField: the limit of each item
    return getattr(item if item is not None else field, "max_length", None)


def _too_long(model: type[models.Model], name: str, value: str, what: str) -> str | None:
    limit = _limit(model, name)
    if limit is not None and value and len(value) > limit:
        return f"{what} is {len(value):,} characters long; irtkb stores at most {limit:,}"
    return None


def _length_problems(record: PaperRecord) -> Iterable[str]:
    """Yield what is too long, in a fixed order; the words are built only for a problem.

    Every record of every import passes through here, so the common case (nothing too long)
    is one cached limit and one len() per value, not a formatted sentence per author.
    """
    checks: list[tuple[type[models.Model], str, str, str]] = [
        (Paper, "pmcid", record.pmcid, "the PMCID"),
        (Paper, "doi", record.doi, "the DOI"),
        (Paper, "pii", record.pii, "the publisher item identifier"),
        (Paper, "volume", record.volume, "the volume"),
        (Paper, "issue", record.issue, "the issue"),
        (Paper, "pages", record.pages, "the page field"),
        (Paper, "publisher", record.publisher, "the publisher"),
        (Paper, "pub_season", record.pub_date.season, "the publication season"),
        (Paper, "pub_medline_date", record.pub_date.medline_date, "the MedlineDate"),
        (Paper, "publication_status", record.publication_status, "the publication status"),
    ]
    for model, name, value, what in checks:
        if problem := _too_long(model, name, value, what):
            yield problem
    for value in record.languages:
        if problem := _too_long(Paper, "languages", value, f"language {value[:20]!r}"):
            yield problem
    for value in record.publication_types:
        if problem := _too_long(Paper, "publication_types", value, "a publication type"):
            yield problem
    if record.journal:
        journal = record.journal
        journal_checks = [
            (Journal, "title", journal.title, "the journal title"),
            (Journal, "iso_abbreviation", journal.iso_abbreviation, "the journal abbreviation"),
            (Journal, "medline_ta", journal.medline_ta, "the MEDLINE abbreviation"),
            (Journal, "issn_print", journal.issn_print, "the print ISSN"),
            (Journal, "issn_electronic", journal.issn_electronic, "the electronic ISSN"),
            (Journal, "issn_linking", journal.issn_linking, "the linking ISSN"),
            (Journal, "nlm_unique_id", journal.nlm_unique_id, "the NLM ID"),
        ]
        journal_checks += [
            (Journal, "key", alias, "the journal's key") for alias in journal.aliases
        ]
        for model, name, value, what in journal_checks:
            if problem := _too_long(model, name, value, what):
                yield problem
    yield from _child_length_problems(record)


# (AuthorRecord field, how to name it: a template of the author's number)
_AUTHOR_FIELDS = [
    ("last_name", "author {}'s last name"),
    ("fore_name", "author {}'s fore name"),
    ("initials", "author {}'s initials"),
    ("suffix", "author {}'s suffix"),
    ("collective_name", "author {}'s group name"),
    ("orcid", "author {}'s ORCID"),
]


def _child_length_problems(record: PaperRecord) -> Iterable[str]:
    for number, author in enumerate(record.authors, start=1):
        for name, template in _AUTHOR_FIELDS:
            value = getattr(author, name)
            limit = _limit(Author, name)
            if limit is not None and value and len(value) > limit:
                yield _too_long(Author, name, value, template.format(number)) or ""
    for mesh in record.mesh:
        if problem := _too_long(MeshDescriptor, "ui", mesh.ui, "a MeSH descriptor UI"):
            yield problem
        if problem := _too_long(MeshDescriptor, "name", mesh.name, "a MeSH heading"):
            yield problem
    for link in record.links:
        if problem := _too_long(PaperLink, "kind", link.kind, "a comment/correction type"):
            yield problem
        if problem := _too_long(
            PaperLink, "ref_source", link.ref_source, "a comment/correction source"
        ):
            yield problem
    for ref in record.references:
        for name, label in (("doi", "DOI"), ("pmcid", "PMCID")):
            value = getattr(ref, name)
            limit = _limit(Reference, name)
            if limit is not None and value and len(value) > limit:
                yield _too_long(Reference, name, value, f"reference {ref.position}'s {label}") or ""
