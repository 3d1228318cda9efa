"""Duplicate-looking papers for editors: the candidate pairs side by side, and the merge.

Editors and staff only. Anonymous visitors get 404 (the page is not advertised to the public)
and signed-in readers 403. The merge is a POST from the list, answered with a confirmation
page showing what will move; only the confirmation's POST merges.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from papers.duplicates import (
    MergeError,
    count_links,
    duplicate_reasons,
    find_duplicate_pairs,
    merge_papers,
)
from papers.models import Paper
from papers.roles import can_publish

PAIRS_PER_PAGE = 20


def _require_editor(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise Http404("No such page.")
    if not (can_publish(request.user) or request.user.is_staff):
        raise PermissionDenied("Only editors and admins merge papers.")


_GONE = {
    "required": "Name both papers of the pair.",
    "invalid_choice": "That paper is no longer in irtkb: it may have been merged already.",
}


class MergeForm(forms.Form):
    keep = forms.ModelChoiceField(queryset=Paper.objects.all(), error_messages=_GONE)
    duplicate = forms.ModelChoiceField(queryset=Paper.objects.all(), error_messages=_GONE)
    confirm = forms.BooleanField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        keep, duplicate = data.get("keep"), data.get("duplicate")
        if keep and duplicate:
            if keep.pk == duplicate.pk:
                raise forms.ValidationError("A paper cannot be merged into itself.")
            # Only pairs that still look alike: a forged POST cannot merge two unrelated papers.
            reasons = duplicate_reasons(keep, duplicate)
            if not reasons:
                raise forms.ValidationError(
                    "These two papers no longer look like duplicates (different DOI, and a "
                    "different title or year), so they were not merged."
                )
            data["reasons"] = reasons
        return data


def _papers_for_display(ids: list[int]) -> dict[int, Paper]:
    """Return {id: paper} with authors, journal and link counts, in a fixed number of queries."""
    papers = Paper.objects.with_listing().without_large_fields().in_bulk(ids)
    links = count_links(ids)
    for pk, paper in papers.items():
        paper.link_counts = sorted(links.get(pk, {}).items())
        paper.link_total = sum(links.get(pk, {}).values())
    return papers


@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    """List pairs of papers that look like one, side by side, each with a merge button."""
    _require_editor(request)
    page = Paginator(find_duplicate_pairs(), PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    ids = [pk for pair in page for pk in (pair.first_id, pair.second_id)]
    papers = _papers_for_display(ids)
    pairs = [
        {
            "pair": pair,
            "sides": [
                (papers[pair.first_id], papers[pair.second_id]),
                (papers[pair.second_id], papers[pair.first_id]),
            ],
            "reasons": [
                reason
                for reason, flag in (
                    ("same DOI", pair.same_doi),
                    ("same title and year", pair.same_title_and_year),
                )
                if flag
            ],
        }
        for pair in page
    ]
    return render(
        request,
        "curation/duplicates.html",
        {"page": page, "pairs": pairs, "count": page.paginator.count},
    )


@require_POST
def merge_duplicate(request: HttpRequest) -> HttpResponse:
    """Confirm, then merge one paper of a pair into the other."""
    _require_editor(request)
    form = MergeForm(request.POST)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return render(request, "curation/duplicate_merge.html", {"errors": errors}, status=400)
    keep, duplicate = form.cleaned_data["keep"], form.cleaned_data["duplicate"]
    if not form.cleaned_data["confirm"]:
        papers = _papers_for_display([keep.pk, duplicate.pk])
        return render(
            request,
            "curation/duplicate_merge.html",
            {
                "keep": papers[keep.pk],
                "duplicate": papers[duplicate.pk],
                "reasons": form.cleaned_data["reasons"],
            },
        )
    try:
        report = merge_papers(keep=keep, duplicate=duplicate, user=request.user)
    except MergeError as error:
        context = {"errors": [str(error)]}
        return render(request, "curation/duplicate_merge.html", context, status=409)
    moved = sum(report.moved.values())
    messages.success(
        request,
        f"Merged paper #{report.merged['id']} into #{report.kept.pk}: {moved} link"
        f"{'' if moved == 1 else 's'} moved, nothing lost.",
    )
    return redirect(reverse("curation:duplicates"))
