"""Metadata for DOIs PubMed does not know, from Crossref; PubMed takes over when it can.

Part of the refresh job's path (papers/refresh.py): when resolving a job's DOIs leaves some
with no PubMed record, ``fetch_crossref_works`` asks Crossref for each (network only, before
any lock), and ``store_crossref_works`` writes what came back in the job's freeze transaction:
title, authors with ORCIDs, container, volume, issue, pages, date, type, licence, the
per-field sources, and Crossref's retraction/correction notices (papers/notices.py merges
those with PubMed's). After each batch of PubMed records is stored, ``hand_over_to_pubmed``
marks the Crossref records of papers PubMed now describes as superseded and logs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from papers.content_version import mark_content_changed
from papers.crossref import CrossrefError, CrossrefWork, fetch_work
from papers.models import Author, Authorship, Journal, Paper, PaperChange, RefreshJob
from papers.models.crossref import CROSSREF, CROSSREF_FIELDS, PUBMED, CrossrefRecord
from papers.notices import apply_crossref_notices
from papers.pubmed.records import AuthorRecord

SOURCE_FIELD = "metadata source"  # the change log's name for the hand-over


def fetch_crossref_works(
    dois: Sequence[str],
) -> tuple[dict[str, CrossrefWork], list[str], dict[str, str]]:
    """Return ({DOI: work}, DOIs Crossref does not know, {DOI: error}) — one GET per DOI."""
    works: dict[str, CrossrefWork] = {}
    unknown: list[str] = []
    failed: dict[str, str] = {}
    if not settings.CROSSREF_ENABLED:
        return works, list(dois), failed
    for doi in dois:
        try:
            work = fetch_work(doi=doi)
        except CrossrefError as exc:
            failed[doi] = str(exc)
            continue
        if work is None:
            unknown.append(doi)
        else:
            works[doi] = work
    return works, unknown, failed


def store_crossref_works(*, works: dict[str, CrossrefWork], job: RefreshJob | None) -> list[int]:
    """Describe each DOI-only paper from its Crossref work; return the paper ids described.

    Only papers without a PMID are written: a paper PubMed describes keeps PubMed's record.
    """
    if not works:
        return []
    by_doi = {
        (p.doi or "").lower(): p
        for p in Paper.objects.annotate(doi_lower=Lower("doi")).filter(
            doi_lower__in=[d.lower() for d in works], pmid__isnull=True
        )
    }
    now = timezone.now()
    described = []
    for doi, work in works.items():
        paper = by_doi.get(doi.lower())
        if paper is None:
            continue
        _describe(paper, work, job=job)
        CrossrefRecord.objects.update_or_create(
            paper=paper,
            defaults={
                "doi": work.doi,
                "work_type": work.work_type,
                "licence": work.licence[:500],
                "publisher": work.publisher[:300],
                "authors": [
                    {"family": a.family, "given": a.given, "orcid": a.orcid, "name": a.name}
                    for a in work.authors
                ],
                "sources": dict.fromkeys(CROSSREF_FIELDS, CROSSREF),
                "updates": _updates(work),
                "fetched_at": now,
                "superseded_at": None,
            },
        )
        described.append(paper.pk)
    apply_crossref_notices(paper_ids=described, job=job)
    if described:
        mark_content_changed()
    return described


def hand_over_to_pubmed(*, paper_ids: Iterable[int], job: RefreshJob | None) -> int:
    """Mark the Crossref records of these (now PubMed-described) papers superseded; log it."""
    records = list(
        CrossrefRecord.objects.filter(
            paper_id__in=list(paper_ids), superseded_at__isnull=True, paper__pmid__isnull=False
        ).select_related("paper")
    )
    if not records:
        return 0
    now = timezone.now()
    for record in records:
        record.superseded_at = now
        record.sources = dict.fromkeys(CROSSREF_FIELDS[:7], PUBMED) | {
            "type": CROSSREF,
            "licence": CROSSREF,
        }
    CrossrefRecord.objects.bulk_update(records, ["superseded_at", "sources"])
    PaperChange.objects.bulk_create(
        [
            PaperChange(
                paper=r.paper,
                job=job,
                field=SOURCE_FIELD,
                old_value=f"{CROSSREF} (doi:{r.doi})",
                new_value=f"{PUBMED} (PMID {r.paper.pmid})",
            )
            for r in records
        ]
    )
    return len(records)


@transaction.atomic
def _describe(paper: Paper, work: CrossrefWork, *, job: RefreshJob | None) -> None:
    year, month, day = ([*list(work.issued), None, None, None])[:3]
    fields = {
        "title": work.title,
        "volume": work.volume[:50],
        "issue": work.issue[:50],
        "pages": work.pages[:100],
        "pub_year": year,
        "pub_month": month,
        "pub_day": day,
        "pub_date_sort": dt.date(year, month or 1, day or 1) if year else None,
        "publisher": work.publisher[:300],
        "fetch_error": "",
        "not_in_pubmed": True,
    }
    if work.work_type in ("book-chapter", "book-section", "proceedings-article"):
        fields["book_title"] = work.container
    elif work.container:
        fields["journal_id"] = _journal(work.container).pk
    changes = [
        PaperChange(
            paper=paper, job=job, field=name, old_value=getattr(paper, name), new_value=value
        )
        for name, value in fields.items()
        if name in ("title", "volume", "issue", "pages", "pub_year")
        and getattr(paper, name) != value
    ]
    Paper.objects.filter(pk=paper.pk).update(**fields)
    PaperChange.objects.bulk_create(changes)
    _write_authors(paper, work)


def _journal(title: str) -> Journal:
    journal, _ = Journal.objects.get_or_create(
        key=f"crossref:{title.lower()}"[:300], defaults={"title": title[:500]}
    )
    return journal


def _write_authors(paper: Paper, work: CrossrefWork) -> None:
    """Replace the paper's author list with Crossref's (keyed as the PubMed upsert keys them)."""
    keys = []
    for a in work.authors:
        key = AuthorRecord(
            last_name=a.family, fore_name=a.given, collective_name=a.name, orcid=a.orcid
        ).key
        keys.append(key[:400])
        Author.objects.get_or_create(
            key=key[:400],
            defaults={
                "last_name": a.family[:200],
                "fore_name": a.given[:200],
                "collective_name": a.name[:500],
                "orcid": a.orcid[:19],
            },
        )
    authors = Author.objects.in_bulk(keys, field_name="key")
    Authorship.objects.filter(paper=paper).delete()
    Authorship.objects.bulk_create(
        [Authorship(paper=paper, author=authors[k], position=i) for i, k in enumerate(keys, 1)]
    )


def _updates(work: CrossrefWork) -> list[dict]:
    return [
        {
            "relation": relation,
            "kind": u.kind,
            "doi": u.doi,
            "date": u.date.isoformat() if u.date else None,
            "source": u.source,
        }
        for relation, updates in (("updated-by", work.updated_by), ("update-to", work.update_to))
        for u in updates
    ]
