"""Post the admin's paper change form as a browser would, with some fields changed."""

from __future__ import annotations

import json

from django.urls import reverse

from papers.models import Paper

INLINE_PREFIXES = ("authorships", "mesh_headings", "links", "overrides", "changes")


def paper_form_data(paper: Paper, **changes) -> dict:
    """Return the change form's POST data for ``paper`` as stored, with ``changes`` applied."""
    data = {
        "pmid": paper.pmid or "",
        "pmcid": paper.pmcid or "",
        "doi": paper.doi or "",
        "pii": paper.pii,
        "title": paper.title,
        "vernacular_title": paper.vernacular_title,
        "abstract": json.dumps(paper.abstract),
        "abstract_copyright": paper.abstract_copyright,
        "journal": paper.journal_id or "",
        "volume": paper.volume,
        "issue": paper.issue,
        "pages": paper.pages,
        "book_title": paper.book_title,
        "publisher": paper.publisher,
        "pub_year": paper.pub_year or "",
        "pub_month": paper.pub_month or "",
        "pub_day": paper.pub_day or "",
        "pub_season": paper.pub_season,
        "pub_medline_date": paper.pub_medline_date,
        "pub_date_sort": paper.pub_date_sort.isoformat() if paper.pub_date_sort else "",
        "epub_date": paper.epub_date.isoformat() if paper.epub_date else "",
        "publication_status": paper.publication_status,
        "languages": ",".join(paper.languages),
        "publication_types": ",".join(paper.publication_types),
        "keywords": ",".join(paper.keywords),
        "fetch_state": paper.fetch_state,
        "fetch_error": paper.fetch_error,
    }
    for flag in (
        "is_retracted",
        "has_erratum",
        "has_expression_of_concern",
        "not_in_pubmed",
        "deleted_from_pubmed",
    ):
        if getattr(paper, flag):
            data[flag] = "on"
    for prefix in INLINE_PREFIXES:
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    data.update(changes)
    return data


def post_paper_change(client, paper: Paper, **changes):
    url = reverse("admin:papers_paper_change", args=[paper.pk])
    return client.post(url, paper_form_data(paper, **changes))
