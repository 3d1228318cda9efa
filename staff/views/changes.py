"""The change-log browser: what PubMed refreshes changed, filtered by job, paper, field, kind."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from staff.access import jobs_viewer_required
from staff.forms import ChangeFilterForm
from staff.selectors import change_fields, change_rows, changes

CHANGES_PER_PAGE = 50


@require_GET
@jobs_viewer_required
def change_log(request: HttpRequest) -> HttpResponse:
    """List change-log entries, newest first; retractions, errata, concerns stand out."""
    form = ChangeFilterForm(request.GET or None, fields=change_fields())
    filters = form.cleaned_data if form.is_valid() else {}
    entries = changes(
        job=filters.get("job"),
        paper=filters.get("paper"),
        field=filters.get("field", ""),
        kind=filters.get("kind", ""),
    )
    status = 200 if form.is_valid() or not request.GET else 400
    page = Paginator(entries if status == 200 else entries.none(), CHANGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/change_log.html",
        {"form": form, "page": page, "rows": change_rows(page), "query": query.urlencode()},
        status=status,
    )
