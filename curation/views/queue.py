"""The curator dashboard with its queue, and the activity feeds."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from curation.selectors import activity, curator_queue
from curation.views.access import curator_required
from papers.cache import cached_page
from papers.duplicates import find_duplicate_pairs
from papers.intake.triage import untriaged_by_therapy
from papers.models import Therapy
from papers.notices import disagreeing_papers
from papers.roles import can_curate, can_publish

EVENTS_PER_PAGE = 50


@curator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show what the signed-in curator or editor has to act on."""
    # Merging papers is an editor's (or an admin's) job; curators do not see the link.
    may_merge = can_publish(request.user) or request.user.is_staff
    return render(
        request,
        "curation/dashboard.html",
        {
            "queue": curator_queue(request.user),
            "is_editor": can_publish(request.user),
            "therapies": Therapy.objects.order_by("position", "name"),
            "inbox_counts": untriaged_by_therapy(),
            "disagreeing": disagreeing_papers(),
            "duplicates_url": reverse("curation:duplicates") if may_merge else "",
            "duplicate_count": len(find_duplicate_pairs()) if may_merge else None,
            "nav": "curate",
        },
    )


@cached_page(params=("page",))
def activity_feed(request: HttpRequest) -> HttpResponse:
    """Show who did what to evidence items, newest first (readers: published content only)."""
    return _feed(request, therapy=None)


@cached_page(params=("page",))
def therapy_activity(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the activity on one therapy's evidence items."""
    return _feed(request, therapy=get_object_or_404(Therapy, slug=slug))


def _feed(request: HttpRequest, *, therapy: Therapy | None) -> HttpResponse:
    page = Paginator(activity(request.user, therapy), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "curation/activity.html",
        {
            "page": page,
            "therapy": therapy,
            "is_curator": can_curate(request.user),
            "nav": "activity",
        },
    )
