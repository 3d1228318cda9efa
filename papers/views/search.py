"""The search page: full-text search with filters, ranked and paginated."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from papers.export import EXPORT_CAP, FORMATS
from papers.search.highlight import highlights
from papers.search.query import COUNT_CAP, PAGE_SIZE, RANK_WINDOW, CappedPaginator, search_papers
from papers.views.forms import SearchForm


def search(request: HttpRequest) -> HttpResponse:
    """Show the search form and, for a valid query or filter, one page of ranked results."""
    form = SearchForm(request.GET if request.GET else None)
    context: dict = {
        "form": form,
        "export_formats": FORMATS.values(),
        "export_cap": EXPORT_CAP,
        "count_cap": COUNT_CAP,
        "nav": "search",
    }
    if form.is_bound and form.is_valid() and form.has_criteria:
        outcome = search_papers(form.cleaned_data)
        total = outcome.count()
        papers = outcome.ordered(total).with_listing()
        if outcome.query is not None:  # snippets then come from ts_headline, not the abstract
            papers = papers.without_large_fields()
        paginator = CappedPaginator(papers, PAGE_SIZE, count=total)
        page = paginator.get_page(request.GET.get("page"))
        papers = list(page.object_list)
        marked = highlights(papers, outcome.query)
        params = request.GET.copy()
        params.pop("page", None)
        context.update(
            page=page,
            paginator=paginator,
            results=[(paper, marked[paper.pk]) for paper in papers],
            querystring=params.urlencode(),
            total=total,
            total_is_capped=total > COUNT_CAP,
            ranks_a_window=outcome.ranks_a_window(total),
            rank_window=RANK_WINDOW,
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "papers/search.html", context, status=status)
