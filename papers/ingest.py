"""Write parsed PubMed records into the database: the one path every import and refresh takes.

Each public function is one transaction over a whole batch, with set-based reads and bulk
writes, so a batch of 200 papers costs a fixed number of queries, not one per paper or field.
Bulk writes send no model signals, so each function that changes what the public pages show
says so with ``mark_content_changed()``; that publishes once, when the caller's transaction
commits, however many of these functions it ran.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from papers.bulk_sql import (
    copy_rows,
    delete_rows,
    insert_missing,
    reserve_keys,
    stage_new_objects,
    update_objects,
)
from papers.content_version import mark_content_changed
from papers.db_errors import describe_write_error
from papers.models import (
    Author,
    Authorship,
    EvidenceNote,
    Journal,
    MeshDescriptor,
    Paper,
    PaperChange,
    PaperLink,
    PaperMesh,
    Reference,
    RefreshJob,
)
from papers.overrides import (
    keep_corrections,
    load_overrides,
    note_disagreement,
    save_overrides,
)
from papers.pubmed import PaperRecord, ReferenceRecord
from papers.quotes import flag_items_with_missing_quotes, record_flag_event
from papers.record_screen import screen_records
from papers.search.index import insert_papers_with_vectors, update_search_vectors

logger = logging.getLogger(__name__)

NOT_FOUND = "not found in PubMed"
NO_PUBMED_RECORD = "no PubMed record for this DOI"

# Scalar Paper fields a record sets. Empty values never overwrite stored ones: PubMed
# sometimes answers with a partial record, and a blank must not erase what we know.
# The parts of one publication date: written together or not at all.
DATE_FIELDS = (
    "pub_year",
    "pub_month",
    "pub_day",
    "pub_season",
    "pub_medline_date",
    "pub_date_sort",
)
SCALAR_FIELDS = (
    "pmcid",
    "doi",
    "pii",
    "title",
    "vernacular_title",
    "abstract",
    "abstract_copyright",
    "journal_id",
    "volume",
    "issue",
    "pages",
    "book_title",
    "publisher",
    *DATE_FIELDS,
    "epub_date",
    "publication_status",
    "languages",
    "publication_types",
    "keywords",
)
# First key of the advisory locks that serialise upserts of one PMID (see _lock_pmids).
PMID_LOCK_CLASS = 31649335
# Flags only ever go from False to True here: a retraction once seen is not forgotten because
# a later partial reply omits it.
FLAG_FIELDS = ("is_retracted", "has_erratum", "has_expression_of_concern")
FLAG_REASONS = {
    "is_retracted": "a cited paper has been retracted",
    "has_erratum": "a cited paper has an erratum",
    "has_expression_of_concern": "a cited paper has an expression of concern",
}
DELETED_REASON = "a cited paper was withdrawn from PubMed (DeleteCitation)"
# A notice paper (RetractionOf …) flags the paper it is about, when we hold that paper.
NOTICE_FLAGS = {
    "RetractionOf": "is_retracted",
    "ErratumFor": "has_erratum",
    "ExpressionOfConcernFor": "has_expression_of_concern",
}


@dataclass
class UpsertSummary:
    new: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    newly_flagged: list[int] = field(default_factory=list)
    paper_ids: dict[int, int] = field(default_factory=dict)  # PMID -> Paper.pk
    # Records not written because they do not fit the schema: {PMID: reason in words}.
    refused: dict[int, str] = field(default_factory=dict)


@transaction.atomic
def upsert_papers(
    *, records: Sequence[PaperRecord], job: RefreshJob | None = None
) -> UpsertSummary:
    """Create or update the papers in ``records`` and everything hanging off them.

    The same record twice changes nothing (not even ``changed_at``); every changed field is
    written to the change log; flags seen for the first time mark citing notes for review.
    """
    now = timezone.now()
    records = list({r.pmid: r for r in records}.values())  # last copy of a PMID wins
    records, refused = screen_records(records)
    summary = UpsertSummary(refused=refused)
    if not records:
        return summary

    existing = _lock_existing(records)
    overrides = load_overrides([p.pk for p in existing.values()])
    override_log: list[PaperChange] = []
    dirty_overrides: list = []
    journals = _ensure_journals(records)
    taken_dois = _dois_held_elsewhere(records, existing)
    changes: list[PaperChange] = []
    to_create: list[Paper] = []
    to_update: list[Paper] = []
    touched: list[tuple[Paper, PaperRecord]] = []
    fetched_only: list[Paper] = []

    for record in records:
        values = _paper_values(record, journals, taken_dois)
        paper = existing.get(record.pmid)
        digest = record.content_hash()
        if paper is None:
            paper = Paper(pmid=record.pmid, **values, **_flag_values(record))
            _mark_fetched(paper, digest, now)
            paper.changed_at = now
            to_create.append(paper)
            touched.append((paper, record))
            continue
        if paper.source_hash == digest and paper.fetch_state == Paper.FetchState.FETCHED:
            paper.last_fetched_at = now
            fetched_only.append(paper)
            summary.unchanged.append(paper.pk)
            continue
        paper_changes = _apply_values(paper, values) + _apply_flags(paper, record)
        paper_changes = keep_corrections(
            paper, paper_changes, overrides.get(paper.pk, {}), job, override_log, dirty_overrides
        )
        _mark_fetched(paper, digest, now)
        changes.extend(_change_rows(paper, paper_changes, job))
        to_update.append(paper)
        touched.append((paper, record))

    reserve_keys(to_create)  # new papers are written after their authors and headings
    summary.new = [p.pk for p in to_create]
    child_changes = _sync_children(
        touched, job, new_ids=set(summary.new), overrides=overrides, dirty=dirty_overrides
    )
    _insert_new_papers(to_create)
    changes.extend(child_changes)
    changes.extend(override_log)
    save_overrides(dirty_overrides)
    changed_ids = {c.paper_id for c in changes}
    for paper in to_update:
        if paper.pk in changed_ids:
            paper.changed_at = now
            summary.changed.append(paper.pk)
        else:
            summary.unchanged.append(paper.pk)
    update_fields = [
        *(f for f in SCALAR_FIELDS),
        *FLAG_FIELDS,
        "fetch_state",
        "fetch_error",
        "not_in_pubmed",
        "source_hash",
        "last_fetched_at",
        "changed_at",
    ]
    # One UPDATE … FROM each: bulk_update's CASE per field and row was most of a refresh.
    update_objects(to_update, update_fields)
    update_objects(fetched_only, ["last_fetched_at"])

    flagged = _newly_flagged(to_create, changes) | _flag_notice_targets(records, job, changes)
    PaperChange.objects.bulk_create(changes)
    summary.newly_flagged = sorted(flagged)
    _mark_citing_notes(flagged)
    flag_items_with_missing_quotes(paper_ids=summary.changed)  # a changed abstract may drop a quote
    summary.paper_ids = {p.pmid: p.pk for p in [*to_create, *to_update, *fetched_only]}
    update_search_vectors(paper_ids=summary.changed)  # new papers got theirs when inserted
    if summary.new or summary.changed or flagged:
        mark_content_changed()
    return summary


def _insert_new_papers(papers: list[Paper]) -> None:
    """Write new paper rows, their search vectors computed in the same statement.

    COPY into a temporary table, then one INSERT … SELECT that adds each row's vector: COPY
    for speed (bulk_create's one huge INSERT was most of a load's time), and each row
    written once instead of COPY and then UPDATE for its vector (docs/benchmarks.md).
    """
    if not papers:
        return
    staged = "irtkb_new_paper"
    columns = stage_new_objects(papers, table=staged)
    insert_papers_with_vectors(staged=staged, columns=columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {staged}")


# What the database says when it will not take a record (as opposed to a dropped connection,
# which is the infrastructure's fault and retries the whole batch).
STORE_REFUSALS = (IntegrityError, DataError, ValueError, OverflowError)


def upsert_isolating(
    *, records: Sequence[PaperRecord], job: RefreshJob | None
) -> tuple[UpsertSummary, dict[int, str]]:
    """Upsert a batch so that only the records the database refuses fail.

    Return (what was stored, {PMID: reason in words}). The batch is tried whole first (the
    fast path); if refused, it is halved until each refused record stands alone, each try in
    its own savepoint so nothing is left half-written: log2(batch) extra rounds per bad record
    instead of one per record. Records refused before any write (too long for a column, year
    20019) come back in ``summary.refused`` and are failures too.
    """
    if not records:
        return UpsertSummary(), {}
    try:
        with transaction.atomic():
            summary = upsert_papers(records=records, job=job)
        return summary, dict(summary.refused)
    except STORE_REFUSALS as exc:
        if len(records) == 1:
            logger.warning("PMID %s not stored: %s", records[0].pmid, exc)
            return UpsertSummary(), {records[0].pmid: describe_write_error(exc)}
    middle = len(records) // 2
    first, first_failures = upsert_isolating(records=records[:middle], job=job)
    second, second_failures = upsert_isolating(records=records[middle:], job=job)
    for name in ("new", "changed", "unchanged", "newly_flagged"):
        getattr(first, name).extend(getattr(second, name))
    first.paper_ids.update(second.paper_ids)
    return first, {**first_failures, **second_failures}


def _lock_existing(records: Sequence[PaperRecord]) -> dict[int, Paper]:
    """Return stored papers for the records' PMIDs, locked for this transaction.

    A row created earlier from a DOI alone (no PMID yet) is adopted by the record with that DOI.
    """
    pmids = sorted(r.pmid for r in records)
    _lock_pmids(pmids)
    existing = {
        p.pmid: p for p in Paper.objects.filter(pmid__in=pmids).order_by("pmid").select_for_update()
    }
    dois = {r.doi.lower(): r.pmid for r in records if r.doi and r.pmid not in existing}
    if dois:
        orphans = (
            Paper.objects.annotate(doi_lower=Lower("doi"))
            .filter(pmid__isnull=True, doi_lower__in=list(dois))
            .select_for_update()
        )
        for paper in orphans:
            paper.pmid = dois[paper.doi.lower()]
            Paper.objects.filter(pk=paper.pk).update(pmid=paper.pmid)
            existing[paper.pmid] = paper
    return existing


def _lock_pmids(pmids: Sequence[int]) -> None:
    """Serialise writers of the same PMIDs until this transaction ends.

    Row locks cannot cover a PMID that has no row yet: two jobs inserting the same new paper
    would collide on the unique constraint. A transaction-scoped advisory lock per PMID, taken
    in ascending order so overlapping batches cannot deadlock, makes the second job wait and
    then find the first one's row.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, x) FROM (SELECT unnest(%s::int[]) AS x ORDER BY 1) s",
            [PMID_LOCK_CLASS, list(pmids)],
        )


def _dois_held_elsewhere(records: Sequence[PaperRecord], existing: dict[int, Paper]) -> set[str]:
    """Return DOIs (lower-cased) that another stored paper already holds.

    PubMed occasionally gives two records the same DOI (a notice and its article); the first
    keeps it, and the unique constraint is not tripped mid-batch.
    """
    wanted = {r.doi.lower(): r.pmid for r in records if r.doi}
    if not wanted:
        return set()
    holders = (
        Paper.objects.annotate(doi_lower=Lower("doi"))
        .filter(doi_lower__in=list(wanted))
        .values_list("doi_lower", "pmid")
    )
    taken = {doi for doi, pmid in holders if pmid != wanted[doi]}
    seen: set[str] = set()
    for record in records:  # two records of one batch with one DOI: the first keeps it
        doi = record.doi.lower()
        if doi and doi in seen:
            taken.add(doi)
        seen.add(doi)
    return taken


def _ensure_journals(records: Sequence[PaperRecord]) -> dict[str, Journal]:
    """Return {record journal key: Journal}, creating journals and upgrading their keys.

    A journal first stored under an ISSN or title key is found again through its aliases
    and moved to the better key (the NLM ID) when a later record brings it.
    """
    wanted = {r.journal.key: r.journal for r in records if r.journal and r.journal.title}
    if not wanted:
        return {}
    aliases = {alias for j in wanted.values() for alias in j.aliases}
    stored = Journal.objects.in_bulk(list(aliases), field_name="key")
    result: dict[str, Journal] = {}
    to_create, to_update = [], []
    for key, record in wanted.items():
        journal = next((stored[a] for a in record.aliases if a in stored), None)
        if journal is None:
            journal = Journal(key=key)
            to_create.append(journal)
        elif journal.key != key and key not in stored:
            stored[key] = journal
            journal.key = key
            to_update.append(journal)
        _fill_journal(journal, record)
        result[key] = journal
    to_create.sort(key=lambda journal: journal.key)  # see _ensure_authors
    Journal.objects.bulk_create(to_create, ignore_conflicts=True)
    Journal.objects.bulk_update(
        to_update,
        [
            "key",
            "iso_abbreviation",
            "medline_ta",
            "issn_print",
            "issn_electronic",
            "issn_linking",
            "nlm_unique_id",
        ],
    )
    # ignore_conflicts leaves no primary keys: read every journal back by its key.
    return {key: j for key, j in Journal.objects.in_bulk(list(wanted), field_name="key").items()}


def _fill_journal(journal: Journal, record) -> None:
    """Copy the record's journal fields onto ``journal`` without blanking known ones."""
    journal.title = journal.title or record.title
    for name in (
        "iso_abbreviation",
        "medline_ta",
        "issn_print",
        "issn_electronic",
        "issn_linking",
        "nlm_unique_id",
    ):
        value = getattr(record, name)
        if value:
            setattr(journal, name, value)


def _paper_values(
    record: PaperRecord, journals: dict[str, Journal], taken_dois: set[str]
) -> dict[str, object]:
    journal = journals.get(record.journal.key) if record.journal else None
    doi = record.doi if record.doi and record.doi.lower() not in taken_dois else None
    return {
        "pmcid": record.pmcid or None,
        "doi": doi,
        "pii": record.pii,
        "title": record.title,
        "vernacular_title": record.vernacular_title,
        "abstract": [
            {"label": s.label, "nlm_category": s.nlm_category, "text": s.text}
            for s in record.abstract
        ],
        "abstract_copyright": record.abstract_copyright,
        "journal_id": journal.pk if journal else None,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages,
        "book_title": record.book_title,
        "publisher": record.publisher,
        "pub_year": record.pub_date.year,
        "pub_month": record.pub_date.month,
        "pub_day": record.pub_date.day,
        "pub_season": record.pub_date.season,
        "pub_medline_date": record.pub_date.medline_date,
        "pub_date_sort": record.pub_date.earliest(),
        "epub_date": record.epub_date,
        "publication_status": record.publication_status,
        "languages": list(record.languages),
        "publication_types": list(record.publication_types),
        "keywords": list(record.keywords),
    }


def _flag_values(record: PaperRecord) -> dict[str, bool]:
    return {name: getattr(record, name) for name in FLAG_FIELDS}


def _is_blank(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _apply_values(paper: Paper, values: dict[str, object]) -> list[tuple[str, object, object]]:
    """Copy non-blank values onto ``paper``; return (field, old, new) for each real change.

    The publication date's parts are one value: a reply that has a date replaces all of them
    (an ahead-of-print "2019 Oct 24" that becomes "2020 Jan" must not keep the day).
    """
    has_date = any(not _is_blank(values[name]) for name in DATE_FIELDS)
    changed = []
    for name, new in values.items():
        old = getattr(paper, name)
        keep_blank = name in DATE_FIELDS and has_date
        if old == new or (_is_blank(new) and not keep_blank):
            continue
        setattr(paper, name, new)
        changed.append((name, old, new))
    return changed


def _apply_flags(paper: Paper, record: PaperRecord) -> list[tuple[str, object, object]]:
    changed = []
    for name, seen in _flag_values(record).items():
        if seen and not getattr(paper, name):
            setattr(paper, name, True)
            changed.append((name, False, True))
    return changed


def _mark_fetched(paper: Paper, digest: str, now) -> None:
    paper.source_hash = digest
    paper.last_fetched_at = now
    paper.fetch_state = Paper.FetchState.FETCHED
    paper.fetch_error = ""
    paper.not_in_pubmed = False


def _change_rows(
    paper: Paper, changes: Iterable[tuple[str, object, object]], job: RefreshJob | None
) -> list[PaperChange]:
    return [
        PaperChange(
            paper_id=paper.pk,
            job=job,
            field=name.removesuffix("_id"),
            old_value=_jsonable(old),
            new_value=_jsonable(new),
        )
        for name, old, new in changes
    ]


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


# --- authors, MeSH headings and links ------------------------------------------------------


def _sync_children(
    touched: list[tuple[Paper, PaperRecord]],
    job: RefreshJob | None,
    *,
    new_ids: set[int],
    overrides: dict | None = None,
    dirty: list | None = None,
) -> list[PaperChange]:
    """Replace the author lists, MeSH headings and links that differ from the records.

    Returns change-log rows for existing papers (a new paper's children are not "changes").
    An author list staff corrected (an "authors" override) is kept; PubMed's differing list
    is logged as a disagreement instead.
    """
    overrides = overrides or {}
    dirty = dirty if dirty is not None else []
    if not touched:
        return []
    # A new paper has no children yet: only stored papers' are read and compared.
    paper_ids = [p.pk for p, _ in touched if p.pk not in new_ids]
    authors = _ensure_authors([r for _, r in touched])
    descriptors = _ensure_descriptors([r for _, r in touched])
    authorships = Authorship.objects.filter(paper_id__in=paper_ids)
    stored_authors = _stored(authorships.values_list("paper_id", "author__key", "affiliations"))
    headings = PaperMesh.objects.filter(paper_id__in=paper_ids)
    stored_mesh = _stored(
        headings.values_list("paper_id", "descriptor__ui", "major_topic", "qualifiers")
    )
    links = PaperLink.objects.filter(source_id__in=paper_ids)
    stored_links = _stored(links.values_list("source_id", "kind", "target_pmid", "ref_source"))

    changes: list[PaperChange] = []
    replace: dict[str, set[int]] = {"authors": set(), "mesh": set(), "links": set()}
    for paper, record in touched:
        if paper.pk in new_ids:  # nothing stored, no override: write whatever the record has
            for name, children in (
                ("authors", record.authors),
                ("mesh", record.mesh),
                ("links", record.links),
            ):
                if children:
                    replace[name].add(paper.pk)
            continue
        wanted = {
            "authors": [(author_key(a), list(a.affiliations)) for a in record.authors],
            "mesh": [(m.ui, m.major_topic, _qualifiers(m)) for m in record.mesh],
            "links": _link_set((k.kind, k.target_pmid, k.ref_source) for k in record.links),
        }
        stored = {
            "authors": stored_authors.get(paper.pk, []),
            "mesh": stored_mesh.get(paper.pk, []),
            "links": _link_set(stored_links.get(paper.pk, [])),
        }
        corrected = overrides.get(paper.pk, {}).get("authors")
        if corrected and wanted["authors"]:
            pubmed_keys = [author_key(a) for a in record.authors]
            if pubmed_keys != corrected.value:
                note_disagreement(paper.pk, corrected, pubmed_keys, job, changes, dirty)
            wanted["authors"] = []  # nothing to replace
        for name in replace:
            if wanted[name] and wanted[name] != stored[name]:
                replace[name].add(paper.pk)
                if paper.pk not in new_ids:
                    changes.extend(_change_rows(paper, [(name, stored[name], wanted[name])], job))

    # One DELETE each, not queryset.delete(): that loads every row to send post_delete,
    # whose receivers recompute a search vector per row; the papers' vectors are recomputed
    # once below, and the content-change mark is made once per batch.
    delete_rows(Authorship, column="paper_id", ids=replace["authors"] - new_ids)
    delete_rows(PaperMesh, column="paper_id", ids=replace["mesh"] - new_ids)
    delete_rows(PaperLink, column="source_id", ids=replace["links"] - new_ids)
    # COPY, not bulk_create: a batch of 200 papers has thousands of author and MeSH rows, and
    # building one giant INSERT for them was most of an import's time (docs/benchmarks.md).
    copy_rows(
        Authorship,
        ["paper_id", "author_id", "position", "affiliations", "equal_contribution"],
        (
            (paper.pk, authors[author_key(a)], i, _text_array(a.affiliations), a.equal_contribution)
            for paper, record in touched
            if paper.pk in replace["authors"]
            for i, a in enumerate(record.authors, start=1)
        ),
    )
    copy_rows(
        PaperMesh,
        ["paper_id", "descriptor_id", "position", "major_topic", "qualifiers"],
        (
            (paper.pk, descriptors[m.ui], i, m.major_topic, json.dumps(_qualifiers(m)))
            for paper, record in touched
            if paper.pk in replace["mesh"]
            for i, m in enumerate(record.mesh, start=1)
        ),
    )
    PaperLink.objects.bulk_create(
        [
            PaperLink(
                source_id=paper.pk, kind=k.kind, target_pmid=k.target_pmid, ref_source=k.ref_source
            )
            for paper, record in touched
            if paper.pk in replace["links"]
            for k in dict.fromkeys(record.links)  # PubMed repeats some entries; keep one
        ],
        ignore_conflicts=True,
    )
    return changes


def _text_array(items: Sequence[str]) -> str:
    """Return a text[] literal for COPY: psycopg's list dumper costs more per row than COPY."""
    quoted = (item.replace("\\", "\\\\").replace('"', '\\"') for item in items)
    return "{" + ",".join(f'"{item}"' for item in quoted) + "}"


def _link_set(links: Iterable[tuple]) -> list[tuple]:
    """Return links as a sorted, de-duplicated list: their order in PubMed carries no meaning."""
    return sorted(set(links), key=lambda link: tuple(str(part) for part in link))


def _stored(rows: Iterable[tuple]) -> dict[int, list]:
    """Group (paper_id, *values) rows into {paper_id: [values, ...]} in query order."""
    grouped: dict[int, list] = {}
    for paper_id, *values in rows:
        grouped.setdefault(paper_id, []).append(tuple(values) if len(values) > 1 else values[0])
    return grouped


def _qualifiers(mesh) -> list[dict]:
    return [{"ui": q.ui, "name": q.name, "major_topic": q.major_topic} for q in mesh.qualifiers]


def author_key(author) -> str:
    """Return the Author.key an author record is stored under.

    A key longer than the column (a 462-character group name) ends in a hash of the whole key
    instead of being cut: cut keys of two different long names would collide, and a cut key
    no longer matched the record's, which raised KeyError mid-batch.
    """
    key = author.key
    if len(key) <= AUTHOR_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: AUTHOR_KEY_LENGTH - len(digest) - 1]}#{digest}"


AUTHOR_KEY_LENGTH = Author._meta.get_field("key").max_length or 400


def _ensure_authors(records: Sequence[PaperRecord]) -> dict[str, int]:
    """Return {author key: Author id} for the records' authors, adding the new ones.

    Names are stored whole: record_screen refused records whose fields are longer than the
    columns, and author_key hashes the tail of a key too long for its column.
    """
    wanted = {author_key(a): a for r in records for a in r.authors}
    return insert_missing(  # in key order: two batches adding the same names cannot deadlock
        Author,
        key="key",
        columns=["key", "last_name", "fore_name", "initials", "suffix", "collective_name", "orcid"],
        rows=[
            (key, a.last_name, a.fore_name, a.initials, a.suffix, a.collective_name, a.orcid)
            for key, a in wanted.items()
        ],
    )


def _ensure_descriptors(records: Sequence[PaperRecord]) -> dict[str, int]:
    """Return {descriptor UI: MeshDescriptor id}, adding new ones and renaming changed ones
    (NLM renames descriptors between MeSH years)."""
    wanted = {m.ui: m.name for r in records for m in r.mesh if m.ui}
    return insert_missing(
        MeshDescriptor,
        key="ui",
        columns=["ui", "name"],
        rows=list(wanted.items()),
        update_if_changed=["name"],
    )


# --- retractions, errata, expressions of concern -------------------------------------------


def _newly_flagged(created: list[Paper], changes: list[PaperChange]) -> set[int]:
    flagged = {p.pk for p in created if any(getattr(p, f) for f in FLAG_FIELDS)}
    flagged |= {c.paper_id for c in changes if c.field in FLAG_FIELDS and c.new_value is True}
    return flagged


def _flag_notice_targets(
    records: Sequence[PaperRecord], job: RefreshJob | None, changes: list[PaperChange]
) -> set[int]:
    """Flag stored papers that a retraction/erratum/concern notice in ``records`` is about."""
    flagged: set[int] = set()
    for kind, flag in NOTICE_FLAGS.items():
        targets = {k.target_pmid for r in records for k in r.links if k.kind == kind}
        targets.discard(None)
        if not targets:
            continue
        papers = Paper.objects.filter(pmid__in=targets, **{flag: False})
        for paper in papers:
            changes.append(
                PaperChange(paper=paper, job=job, field=flag, old_value=False, new_value=True)
            )
            flagged.add(paper.pk)
        papers.update(**{flag: True})
    return flagged


def _mark_citing_notes(paper_ids: set[int]) -> None:
    """Put every evidence note citing a newly flagged paper up for curator review."""
    if not paper_ids:
        return
    papers = Paper.objects.filter(pk__in=paper_ids).only("pk", "pmid", *FLAG_FIELDS)
    reasons_by_paper = {
        p.pk: [f"PMID {p.pmid}: {FLAG_REASONS[f]}" for f in FLAG_FIELDS if getattr(p, f)]
        for p in papers
    }
    _put_notes_up_for_review(reasons_by_paper)


def _put_notes_up_for_review(reasons_by_paper: Mapping[int, list[str]]) -> None:
    """Flag every evidence note citing one of these papers, with the papers' reasons."""
    notes = (
        EvidenceNote.objects.filter(papers__in=list(reasons_by_paper))
        .distinct()
        .prefetch_related("papers")
    )
    for note in notes:
        reasons = [r for p in note.papers.all() for r in reasons_by_paper.get(p.pk, [])]
        new_reasons = [r for r in reasons if r not in note.review_reason]
        if not new_reasons and note.needs_review:
            continue
        note.needs_review = True
        note.review_reason = "\n".join(filter(None, [note.review_reason, *new_reasons]))
        # save() (not update()) so django-simple-history records why the note was flagged.
        note._change_reason = "flagged by PubMed refresh"
        note.save(update_fields=["needs_review", "review_reason", "updated_at"])
        record_flag_event(note=note, reasons=new_reasons or reasons)


# --- outcomes other than a record ----------------------------------------------------------


@transaction.atomic
def mark_not_found(*, pmids: Iterable[int]) -> int:
    """Record that PubMed has no record for these PMIDs (only rows we already hold)."""
    updated = (
        Paper.objects.filter(pmid__in=list(pmids))
        .exclude(fetch_state=Paper.FetchState.FETCHED)
        .update(fetch_state=Paper.FetchState.NOT_FOUND, fetch_error=NOT_FOUND)
    )
    if updated:
        mark_content_changed()
    return updated


@transaction.atomic
def mark_failed(*, failures: Mapping[int, str]) -> int:
    """Record why each PMID's fetch failed; a paper fetched before keeps its data and state."""
    by_reason: dict[str, list[int]] = {}
    for pmid, reason in failures.items():
        by_reason.setdefault(reason, []).append(pmid)
    updated = 0
    for reason, pmids in by_reason.items():  # usually one reason for a whole failed batch
        updated += (
            Paper.objects.filter(pmid__in=pmids)
            .exclude(fetch_state=Paper.FetchState.FETCHED)
            .update(fetch_state=Paper.FetchState.FAILED, fetch_error=reason[:2000])
        )
    if updated:
        mark_content_changed()
    return updated


@transaction.atomic
def mark_deleted(*, pmids: Iterable[int], job: RefreshJob | None = None) -> int:
    """Flag papers PubMed has withdrawn (DeleteCitation); nothing is removed from our side."""
    papers = list(Paper.objects.filter(pmid__in=list(pmids), deleted_from_pubmed=False))
    PaperChange.objects.bulk_create(
        PaperChange(paper=p, job=job, field="deleted_from_pubmed", old_value=False, new_value=True)
        for p in papers
    )
    updated = Paper.objects.filter(pk__in=[p.pk for p in papers]).update(deleted_from_pubmed=True)
    # The paper stays (notes cite it; nothing cascades), but every note citing it is reviewed.
    _put_notes_up_for_review({p.pk: [f"PMID {p.pmid}: {DELETED_REASON}"] for p in papers})
    if updated:
        mark_content_changed()
    return updated


@transaction.atomic
def keep_doi_only_papers(*, dois: Sequence[str]) -> None:
    """Keep a row for each DOI PubMed has no record for, marked "not in PubMed"."""
    if not dois:
        return
    lowered = [d.lower() for d in dois]
    known = set(
        Paper.objects.annotate(doi_lower=Lower("doi"))
        .filter(doi_lower__in=lowered)
        .values_list("doi_lower", flat=True)
    )
    Paper.objects.bulk_create(
        [
            Paper(
                doi=d,
                not_in_pubmed=True,
                fetch_state=Paper.FetchState.NOT_FOUND,
                fetch_error=NO_PUBMED_RECORD,
            )
            for d in dois
            if d.lower() not in known
        ],
    )
    Paper.objects.annotate(doi_lower=Lower("doi")).filter(
        doi_lower__in=lowered, pmid__isnull=True
    ).update(  # the state too: a stub left "pending" read "being fetched" and "not in PubMed"
        not_in_pubmed=True, fetch_state=Paper.FetchState.NOT_FOUND, fetch_error=NO_PUBMED_RECORD
    )
    mark_content_changed()


# --- a review's reference list -------------------------------------------------------------


@transaction.atomic
def sync_reference_list(*, review: Paper, references: Sequence[ReferenceRecord]) -> list[int]:
    """Store the review's numbered references and tie each to its Paper.

    A reference with a PMID gets a placeholder Paper (state "being fetched") until its record
    arrives; one with only a DOI is tied to a stored paper with that DOI, or gets a DOI-only
    placeholder. Known identifiers are never blanked. Return the PMIDs still to fetch.
    """
    stored = {r.position: r for r in Reference.objects.filter(review=review)}
    pmids = {r.pmid for r in references if r.pmid}
    dois = {r.doi.lower() for r in references if r.doi and not r.pmid}
    by_pmid = Paper.objects.in_bulk(list(pmids), field_name="pmid")
    missing_pmids = pmids - set(by_pmid)
    Paper.objects.bulk_create(
        [Paper(pmid=pmid, fetch_state=Paper.FetchState.PENDING) for pmid in missing_pmids],
        ignore_conflicts=True,
    )
    by_pmid = Paper.objects.in_bulk(list(pmids), field_name="pmid")
    by_doi = {
        p.doi.lower(): p
        for p in Paper.objects.annotate(doi_lower=Lower("doi")).filter(doi_lower__in=list(dois))
    }
    for doi in dois - set(by_doi):
        original = next(r.doi for r in references if r.doi.lower() == doi)
        by_doi[doi] = Paper.objects.create(doi=original, fetch_state=Paper.FetchState.PENDING)

    to_create, to_update = [], []
    for ref in references:
        paper = by_pmid.get(ref.pmid) if ref.pmid else by_doi.get(ref.doi.lower())
        row = stored.get(ref.position) or Reference(review=review, position=ref.position)
        row.citation = ref.citation or row.citation
        row.pmid = ref.pmid or row.pmid
        row.doi = ref.doi or row.doi
        row.pmcid = ref.pmcid or row.pmcid
        row.paper = paper or row.paper
        (to_update if row.pk else to_create).append(row)
    Reference.objects.bulk_create(to_create)
    Reference.objects.bulk_update(to_update, ["citation", "pmid", "doi", "pmcid", "paper"])
    mark_content_changed()
    return sorted(p.pmid for p in by_pmid.values() if p.fetch_state != Paper.FetchState.FETCHED)
