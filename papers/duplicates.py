"""Duplicate-looking papers: finding them, and merging one into the other without losing a link.

Two papers look like duplicates when they have the same DOI (ignoring case and a
``https://doi.org/`` or ``doi:`` prefix), or the same normalised title and the same year. The
normalised title drops inline markup (``<i>``, ``<sub>``, MathML) and entities, is lower-cased,
and has every run of punctuation and whitespace collapsed to one space, so ``CD<sub>4</sub>
T-cells`` and ``CD4 T cells.`` match. Both keys are generated columns of Paper, kept by
PostgreSQL (``Paper.doi_key``, ``Paper.title_key``), so finding the pairs is two grouped
queries over stored values however many papers there are.

``merge_papers`` moves everything that points at the duplicate onto the paper kept, found
generically from ``Paper._meta`` so that relations added later are moved too:

- a row that would then collide with one the kept paper already has (the same note citing
  both papers, the same trial listing both, the same PubMed link recorded on both) is dropped,
  since the kept paper already has that link;
- lists the paper owns in order (authorships, MeSH headings, a review's reference list: unique
  on the paper and a ``position``) are never spliced: the kept paper's list stays whole when it
  has one, and the duplicate's moves over when it has none (a DOI stub kept over a fetched
  record takes the record's authors);
- links from other papers recorded by the duplicate's PMID are pointed at the kept paper's;
- identifiers the kept paper lacks (PMID, PMCID, DOI) are taken from the duplicate.

The merge is recorded in the kept paper's change log (who, and both papers' identifiers).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q

from papers.content_version import mark_content_changed
from papers.models import Paper, PaperChange, PaperLink
from papers.search.index import update_search_vectors

# The change-log field name of a merge entry (PaperChange.field).
MERGE_FIELD = "merged_duplicate"
# Identifiers the kept paper takes from the duplicate when it has none of its own.
FILLED_IDENTIFIERS = ("pmid", "pmcid", "doi")


class MergeError(Exception):
    """The two papers cannot be merged; the message says why, in words a curator can act on."""


@dataclass(frozen=True)
class DuplicatePair:
    """Two papers that look like one; ``first_id`` < ``second_id``."""

    first_id: int
    second_id: int
    same_doi: bool = False
    same_title_and_year: bool = False


def find_duplicate_pairs(papers: models.QuerySet[Paper] | None = None) -> list[DuplicatePair]:
    """Return the duplicate-looking pairs among ``papers`` (default: all), lowest ids first.

    Papers that share a key form a group; each other member of a group is paired with its
    lowest id, so a group of n gives n - 1 pairs rather than n(n - 1)/2, and merging the pairs
    one by one still merges the whole group.
    """
    keyed = (papers if papers is not None else Paper.objects.all()).order_by()
    by_doi = (
        keyed.filter(doi__isnull=False)
        .exclude(doi_key="")
        .values("doi_key")
        .annotate(n=Count("pk"), ids=ArrayAgg("pk"))
        .filter(n__gt=1)
        .values_list("ids", flat=True)
    )
    by_title = (
        keyed.filter(pub_year__isnull=False)
        .exclude(title_key="")
        .values("title_key", "pub_year")
        .annotate(n=Count("pk"), ids=ArrayAgg("pk"))
        .filter(n__gt=1)
        .values_list("ids", flat=True)
    )
    flags: dict[tuple[int, int], dict[str, bool]] = {}
    for kind, groups in (("same_doi", by_doi), ("same_title_and_year", by_title)):
        for group in groups:
            ids = sorted(group)
            for other in ids[1:]:
                flags.setdefault((ids[0], other), {})[kind] = True
    return [DuplicatePair(first, second, **flags[first, second]) for first, second in sorted(flags)]


def duplicate_reasons(first: Paper, second: Paper) -> list[str]:
    """Return why two papers look like duplicates (empty when they do not), by the same SQL."""
    keys = {
        pk: (doi, title, year)
        for pk, doi, title, year in Paper.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "pk", "doi_key", "title_key", "pub_year"
        )
    }
    if len(keys) != 2:
        return []
    (doi_a, title_a, year_a), (doi_b, title_b, year_b) = keys[first.pk], keys[second.pk]
    reasons = []
    if doi_a and doi_a == doi_b:
        reasons.append("same DOI")
    if title_a and year_a is not None and (title_a, year_a) == (title_b, year_b):
        reasons.append("same title and year")
    return reasons


# --- What points at a paper ------------------------------------------------------------------


@dataclass(frozen=True)
class PaperRelation:
    """A foreign key on some model (``field``) whose rows point at a Paper."""

    model: type[models.Model]
    field: models.ForeignKey
    label: str

    @property
    def key(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"

    def rows(self, paper_id: int) -> models.QuerySet:
        return self.model._base_manager.filter(**{self.field.attname: paper_id})


# Names curators read on the confirmation page; other relations get their model's name.
_LABELS = {
    "papers.Authorship.paper": "authors",
    "papers.PaperMesh.paper": "MeSH headings",
    "papers.PaperLink.source": "PubMed links (errata, comments, ...)",
    "papers.PaperChange.paper": "change-log entries",
    "papers.Reference.review": "entries in its reference list",
    "papers.Reference.paper": "citations by reviews",
    "papers.PivotalTrial.paper": "pivotal trials",
    "papers.ReconstitutionPoint.source": "reconstitution points",
    "papers.Citation.paper": "evidence notes citing it",
}
INCOMING_LINKS_LABEL = "PubMed links from other papers"


def paper_relations() -> list[PaperRelation]:
    """Return every foreign key to Paper, hidden ones (related_name="+", m2m tables) included."""
    relations = []
    for rel in Paper._meta.get_fields(include_hidden=True):
        # Many-to-many fields are reached through their through model's foreign key, which is
        # listed here as a hidden one-to-many relation of its own.
        if rel.concrete or not (rel.one_to_many or rel.one_to_one):
            continue
        relations.append(PaperRelation(rel.related_model, rel.field, _label(rel)))
    return sorted(relations, key=lambda r: r.key)


def _label(rel: Any) -> str:
    key = f"{rel.related_model._meta.label}.{rel.field.name}"
    if key in _LABELS:
        return _LABELS[key]
    opts = rel.related_model._meta
    if opts.auto_created:  # an m2m table: name the model on the other side ("evidence notes")
        other = next(f for f in opts.fields if f.is_relation and f is not rel.field)
        return f"{other.related_model._meta.verbose_name_plural} citing it"
    return str(opts.verbose_name_plural)


def count_links(paper_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Return {paper id: {label: count}} of everything that points at each paper.

    One grouped query per relation, whatever the number of papers.
    """
    ids = list(paper_ids)
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for relation in paper_relations():
        attname = relation.field.attname
        grouped = (
            relation.model._base_manager.filter(**{f"{attname}__in": ids})
            .order_by()
            .values(attname)
            .annotate(n=Count("pk"))
            .values_list(attname, "n")
        )
        for pk, n in grouped:
            counts[pk][relation.label] = counts[pk].get(relation.label, 0) + n
    pmids = dict(Paper.objects.filter(pk__in=ids, pmid__isnull=False).values_list("pmid", "pk"))
    incoming = (
        PaperLink.objects.filter(target_pmid__in=pmids)
        .order_by()
        .values("target_pmid")
        .annotate(n=Count("pk"))
        .values_list("target_pmid", "n")
    )
    for pmid, n in incoming:
        counts[pmids[pmid]][INCOMING_LINKS_LABEL] = n
    return counts


# --- Merging --------------------------------------------------------------------------------


@dataclass
class MergeReport:
    """What a merge did: rows moved to the kept paper and rows dropped, by relation label."""

    kept: Paper
    merged: dict[str, Any]
    moved: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    identifiers_taken: dict[str, Any] = field(default_factory=dict)
    change: PaperChange | None = None


@transaction.atomic
def merge_papers(*, keep: Paper, duplicate: Paper, user: Any) -> MergeReport:
    """Merge ``duplicate`` into ``keep``: move every link onto ``keep``, then delete it.

    Locks both rows first (in id order, so two merges of the same pair in opposite directions
    wait for each other instead of deadlocking); the second of two such merges then finds one
    paper gone and raises MergeError, as does merging a paper into itself.
    """
    if keep.pk == duplicate.pk:
        raise MergeError("A paper cannot be merged into itself.")
    locked = Paper.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")
    papers = {paper.pk: paper for paper in locked}
    if len(papers) != 2:
        raise MergeError("One of the two papers no longer exists: it may have been merged already.")
    keep, duplicate = papers[keep.pk], papers[duplicate.pk]
    report = MergeReport(kept=keep, merged=_identity(duplicate))

    for relation in paper_relations():
        _move(relation, duplicate.pk, keep.pk, report)
    # Taken before the duplicate is deleted: a DOI stub kept over a record takes its PMID.
    taken = {
        name: getattr(duplicate, name)
        for name in FILLED_IDENTIFIERS
        if getattr(keep, name) in (None, "") and getattr(duplicate, name) not in (None, "")
    }
    _move_incoming_links(duplicate.pmid, taken.get("pmid", keep.pmid), report)
    duplicate.delete()  # nothing points at it any more: no cascade takes anything with it
    if taken:
        for name, value in taken.items():
            setattr(keep, name, value)
        keep.save(update_fields=list(taken))
        report.identifiers_taken = taken

    report.change = PaperChange.objects.create(
        paper=keep,
        field=MERGE_FIELD,
        old_value=report.merged,
        new_value={
            "into": _identity(keep),
            "by": {"id": user.pk, "username": user.get_username()},
            "moved": report.moved,
            "dropped": report.dropped,
            "identifiers_taken": taken,
        },
    )
    update_search_vectors(paper_ids=[keep.pk])
    mark_content_changed()
    return report


def _identity(paper: Paper) -> dict[str, Any]:
    return {
        "id": paper.pk,
        "pmid": paper.pmid,
        "doi": paper.doi,
        "pmcid": paper.pmcid,
        "title": paper.title_text,
        "pub_year": paper.pub_year,
    }


def _move(relation: PaperRelation, from_id: int, to_id: int, report: MergeReport) -> None:
    rows = relation.rows(from_id)
    if _is_ordered_list(relation):
        if relation.rows(to_id).exists():
            _count(report.dropped, relation.label, _delete(rows))
        else:
            _count(report.moved, relation.label, rows.update(**{relation.field.attname: to_id}))
        return
    for unique in _unique_sets(relation):
        clashing = rows.filter(_clashes_with(relation, to_id, unique))
        _count(report.dropped, relation.label, _delete(clashing))
    _count(report.moved, relation.label, rows.update(**{relation.field.attname: to_id}))


UniqueRule = tuple[tuple[str, ...], Q | None]


def _is_ordered_list(relation: PaperRelation) -> bool:
    return any(
        set(fields) == {relation.field.name, "position"} for fields, _ in _unique_sets(relation)
    )


def _unique_sets(relation: PaperRelation) -> Iterator[UniqueRule]:
    """Yield (field names, condition) of each uniqueness rule that includes the foreign key.

    Expression-based unique constraints cannot be checked row by row here; a merge that would
    break one fails whole (the transaction rolls back) rather than losing anything.
    """
    opts = relation.model._meta
    name = relation.field.name
    if relation.field.unique:
        yield (name,), None
    for fields in opts.unique_together:
        if name in fields:
            yield tuple(fields), None
    for constraint in opts.total_unique_constraints:
        if name in constraint.fields:
            yield tuple(constraint.fields), None
    for constraint in opts.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.condition is not None
            and name in constraint.fields
        ):
            yield tuple(constraint.fields), constraint.condition


def _clashes_with(
    relation: PaperRelation, to_id: int, unique: tuple[tuple[str, ...], Q | None]
) -> Q:
    """Return "a row of the kept paper has the same values in this uniqueness rule"."""
    fields, condition = unique
    others = relation.rows(to_id).filter(
        **{name: OuterRef(name) for name in fields if name != relation.field.name}
    )
    if condition is not None:
        others = others.filter(condition)
        return Q(Exists(others)) & condition
    return Q(Exists(others))


def _move_incoming_links(old_pmid: int | None, new_pmid: int | None, report: MergeReport) -> None:
    """Point links that other papers record by the duplicate's PMID at the kept paper's.

    A later refresh of the linking paper writes back what PubMed records, as for any field.
    """
    if old_pmid is None or new_pmid is None or old_pmid == new_pmid:
        return
    incoming = PaperLink.objects.filter(target_pmid=old_pmid)
    clashing = incoming.filter(
        Exists(
            PaperLink.objects.filter(
                source=OuterRef("source"),
                kind=OuterRef("kind"),
                ref_source=OuterRef("ref_source"),
                target_pmid=new_pmid,
            )
        )
    )
    _count(report.dropped, INCOMING_LINKS_LABEL, _delete(clashing))
    _count(report.moved, INCOMING_LINKS_LABEL, incoming.update(target_pmid=new_pmid))


def _delete(rows: models.QuerySet) -> int:
    # Count the rows of this relation only, not what their deletion cascades to.
    model_label = rows.model._meta.label
    return rows.delete()[1].get(model_label, 0)


def _count(counts: dict[str, int], label: str, n: int) -> None:
    if n:
        counts[label] = counts.get(label, 0) + n
