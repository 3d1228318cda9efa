"""The triage inbox: papers watched searches found, and the curators' decisions on them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from curation.intake_forms import BulkTriageForm, TriageForm, WatchedSearchForm
from curation.views.access import curator_required, is_htmx
from papers.intake.triage import triage_items
from papers.intake.watch import run_watched_searches
from papers.models import IntakeItem, RefreshJob, Therapy, WatchedSearch, WatchRun
from papers.roles import can_publish

ITEMS_PER_PAGE = 50
STATUS_FILTERS = [("untriaged", "To triage"), *IntakeItem.Status.choices[1:], ("all", "All")]


def _editor_required(request: HttpRequest) -> None:
    if not can_publish(request.user):
        raise PermissionDenied("Only editors change watched searches.")


@curator_required
def inbox(request: HttpRequest) -> HttpResponse:
    """List the inbox, newest first: untriaged by default, ``?status=`` and ``?therapy=``."""
    status = request.GET.get("status", "untriaged")
    if status not in dict(STATUS_FILTERS):
        status = "untriaged"
    items = IntakeItem.objects.for_inbox()
    if status != "all":
        items = items.filter(status=status)
    therapy = Therapy.objects.filter(slug=request.GET.get("therapy", "")).first()
    if therapy is not None:
        items = items.filter(search__therapy=therapy)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "curation/inbox.html",
        {
            "page": page,
            "status": status,
            "status_filters": STATUS_FILTERS,
            "therapy": therapy,
            "therapies": Therapy.objects.order_by("position", "name"),
            "form": TriageForm(),
            "searches": WatchedSearch.objects.select_related("therapy"),
            "last_runs": WatchRun.objects.select_related("search", "job")[:10],
            "is_editor": can_publish(request.user),
            "nav": "curate",
        },
    )


@require_POST
@curator_required
def triage_one(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a decision on one item; htmx gets the row back, others the inbox."""
    item = get_object_or_404(IntakeItem.objects.for_inbox(), pk=pk)
    form = TriageForm(request.POST)
    if form.is_valid():
        triage_items(items=[item], user=request.user, **_decision(form))
        item = IntakeItem.objects.for_inbox().get(pk=pk)
    if is_htmx(request):
        return render(
            request,
            "curation/_inbox_item.html",
            {"item": item, "form": form if form.errors else TriageForm(), "row_form": form},
        )
    if form.errors:
        messages.error(request, _first_error(form))
    return redirect("curation:inbox")


@require_POST
@curator_required
def triage_bulk(request: HttpRequest) -> HttpResponse:
    """Record one decision on every ticked item."""
    form = BulkTriageForm(request.POST)
    if form.is_valid():
        count = triage_items(
            items=list(form.cleaned_data["items"]), user=request.user, **_decision(form)
        )
        messages.success(
            request, f"{count} paper(s) marked {form.cleaned_data['decision'].replace('_', ' ')}."
        )
    else:
        messages.error(request, _first_error(form))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""  # only back to a page of this site
    return redirect(back or "curation:inbox")


@require_POST
@curator_required
def run_searches(request: HttpRequest) -> HttpResponse:
    """Run every active watched search now (the workspace's button)."""
    runs = run_watched_searches(trigger=RefreshJob.Trigger.CURATOR, user=request.user)
    for run in runs:
        if run.status == WatchRun.Status.FAILED:
            messages.error(
                request,
                f"{run.search.name}: the search failed ({run.errors.get('_search', '')}); "
                "nothing was lost, the next run searches the same window.",
            )
        else:
            messages.success(
                request,
                f"{run.search.name}: {run.hits} hits, {run.new_count} new papers being fetched.",
            )
    if not runs:
        messages.info(request, "There are no active watched searches.")
    return redirect("curation:inbox")


@require_http_methods(["GET", "POST"])
@curator_required
def edit_search(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a watched search (editors only)."""
    _editor_required(request)
    search = get_object_or_404(WatchedSearch, pk=pk) if pk else None
    form = WatchedSearchForm(request.POST or None, instance=search)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Watched search {saved.name} saved.")
        return redirect("curation:inbox")
    return render(
        request, "curation/watched_search.html", {"form": form, "search": search, "nav": "curate"}
    )


def _decision(form: TriageForm) -> dict:
    data = form.cleaned_data
    return {"status": data["decision"], "therapies": data["therapies"], "reason": data["reason"]}


def _first_error(form: TriageForm) -> str:
    return next(iter(e for errors in form.errors.values() for e in errors))
