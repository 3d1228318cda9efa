"""The search page: full-text search with filters, ranked and paginated.

A query that is one identifier (PMID, DOI, PMCID) goes straight to the paper irtkb holds under
it; an unknown one is searched as usual, with a note saying where to look it up.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from papers.export import EXPORT_CAP, FORMATS
from papers.models.intake import awaiting_triage
from papers.search import query as search_query
from papers.search.highlight import highlights
from papers.search.identifiers import find_paper, parse_identifier
from papers.search.query import COUNT_CAP, PAGE_SIZE, RANK_WINDOW, CappedPaginator, search_papers
from papers.views.forms import SearchForm

FILTER_FIELDS = ("therapy", "year_from", "year_to", "publication_type", "journal")
FILTER_FLAGS = ("cited_by_review", "has_notes", "retracted")


def search(request: HttpRequest) -> HttpResponse:
    """Show the search form and, for a valid query or filter, one page of ranked results."""
    form = SearchForm(request.GET if request.GET else None)
    context: dict = {
        "form": form,
        "export_formats": FORMATS.values(),
        "export_cap": EXPORT_CAP,
        "count_cap": COUNT_CAP,
        # The help text promises typo-tolerant author names only where pg_trgm can keep it.
        "forgives_typos": search_query.trigram_available(),
        "nav": "search",
    }
    if form.is_bound and form.is_valid() and form.has_criteria:
        identifier = parse_identifier(form.cleaned_data["q"])
        if identifier is not None:
            paper = find_paper(identifier)
            if paper is not None:
                return redirect(paper.get_absolute_url())
            context["unknown_identifier"] = identifier
        context.update(_results(request, form))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "papers/search.html", context, status=status)


def _results(request: HttpRequest, form: SearchForm) -> dict:
    """Return the context of one page of results (and what to suggest when there are none)."""
    outcome = search_papers(form.cleaned_data)
    total = outcome.count()
    papers = outcome.ordered(total).with_listing().annotate(awaiting_triage=awaiting_triage())
    if outcome.query is not None:  # snippets then come from ts_headline, not the abstract
        papers = papers.without_large_fields()
    paginator = CappedPaginator(papers, PAGE_SIZE, count=total)
    page = paginator.get_page(request.GET.get("page"))
    papers = list(page.object_list)
    marked = highlights(papers, outcome.query)
    params = request.GET.copy()
    params.pop("page", None)
    return {
        # Not the page itself: an empty Page is falsy, which once hid the "no results" text.
        "searched": True,
        "page": page,
        "paginator": paginator,
        "results": [(paper, marked[paper.pk]) for paper in papers],
        "querystring": params.urlencode(),
        "total": total,
        "total_is_capped": total > COUNT_CAP,
        "ranks_a_window": outcome.ranks_a_window(total),
        "rank_window": RANK_WINDOW,
        "active_filters": _active_filters(form),
        "several_words": len(form.cleaned_data["q"].split()) > 1,
    }


def _active_filters(form: SearchForm) -> list[str]:
    """Return the labels of the filters the search used, for the "no results" suggestions."""
    data = form.cleaned_data
    used = [name for name in FILTER_FIELDS if data.get(name) not in (None, "")]
    used += [name for name in FILTER_FLAGS if data.get(name)]
    return [str(form.fields[name].label or name) for name in used]
