"""An item's pages (permalink, past versions, history with diff) and the review actions."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from curation import diff, workflow
from curation.forms import FlagForm, RetireForm, SendBackForm, VersionForm
from curation.selectors import (
    citations_of,
    history_rows,
    pending_revision,
    published_version,
    recorded_citations,
    visible_item,
)
from curation.workflow import ItemContent, WorkflowError
from papers.cache import cached_page
from papers.models import EvidenceNote
from papers.roles import can_curate, can_publish

Status = EvidenceNote.Status


@cached_page
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an item: to readers only once published; to curators with its review actions."""
    note = visible_item(request.user, pk)
    user = request.user
    context = {
        "note": note,
        "citations": citations_of(note),
        "revision": pending_revision(note) if can_curate(user) and not note.is_revision else None,
        "can_curate": can_curate(user),
        "can_publish": can_publish(user),
        "own_submission": note.submitted_by_id is not None and note.submitted_by_id == user.pk,
        "send_back_form": SendBackForm(initial={"version": note.version}),
        "retire_form": RetireForm(initial={"version": note.version}),
        "flag_form": FlagForm(),
        "version_form": VersionForm(initial={"version": note.version}),
    }
    return render(request, "curation/item_detail.html", context)


@cached_page
def item_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Show published version ``number`` of an item as readers saw it then."""
    note = visible_item(request.user, pk)
    if note.is_revision:
        raise Http404("A revision has no published versions.")
    row = published_version(note, number)
    return render(
        request,
        "curation/item_version.html",
        {
            "note": note,
            "row": row,
            "number": number,
            "citations": recorded_citations(row),
            "is_current": note.status == Status.PUBLISHED and number == note.published_version,
        },
    )


def item_history(request: HttpRequest, pk: int) -> HttpResponse:
    """List an item's versions and compare any two side by side (?from=<id>&to=<id>)."""
    note = visible_item(request.user, pk)
    rows = history_rows(note, request.user)
    by_id = {row.history_id: row for row in rows}
    newer = _pick(by_id, request.GET.get("to")) or (rows[0] if rows else None)
    older = _pick(by_id, request.GET.get("from"))
    if older is None and newer is not None:
        later = [row for row in rows if _before(row, newer)]
        older = later[0] if later else newer
    comparison = (
        diff.compare(ItemContent.of(older), ItemContent.of(newer)) if older and newer else []
    )
    return render(
        request,
        "curation/item_history.html",
        {
            "note": note,
            "rows": rows,
            "older": older,
            "newer": newer,
            "comparison": comparison,
            "can_curate": can_curate(request.user),
        },
    )


def _pick(by_id: dict, value: str | None):
    return by_id.get(int(value)) if value and value.isdigit() else None


def _before(row, other) -> bool:
    return (row.history_date, row.history_id) < (other.history_date, other.history_id)


# --- review actions ----------------------------------------------------------------------------


def _action(
    request: HttpRequest,
    pk: int,
    form_class: type | None,
    act: Callable[..., object],
    done: str,
) -> HttpResponse:
    """Run one workflow action from a POSTed form; report the outcome on the item's page."""
    note = visible_item(request.user, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("curation:note-detail", kwargs={"pk": pk}))
    form = (form_class or VersionForm)(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(note)
    try:
        act(note, form.cleaned_data)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect(note)
    messages.success(request, done)
    if not EvidenceNote.objects.filter(pk=note.pk).exists():  # an accepted revision is gone
        return redirect("curation:note-detail", pk=note.revision_of_id)
    return redirect(note)


@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        None,
        lambda note, data: workflow.submit_item(
            item=note, user=request.user, expected_version=data.get("version")
        ),
        "Submitted for review. An editor will publish it or send it back.",
    )


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        None,
        lambda note, data: workflow.publish_item(
            item=note, user=request.user, expected_version=data.get("version")
        ),
        "Published.",
    )


@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        SendBackForm,
        lambda note, data: workflow.send_back_item(
            item=note,
            user=request.user,
            comment=data["comment"],
            expected_version=data.get("version"),
        ),
        "Sent back to draft with your comment.",
    )


@require_POST
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        RetireForm,
        lambda note, data: workflow.retire_item(
            item=note,
            user=request.user,
            reason=data["reason"],
            expected_version=data.get("version"),
        ),
        "Retired. Its permalink stays, marked as retired.",
    )


@require_POST
def resolve_flag(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        FlagForm,
        lambda note, data: workflow.resolve_flag(
            item=note,
            user=request.user,
            changed=data["outcome"] == "changed",
            reason=data["reason"],
        ),
        "Recorded in the item's history; the flag is cleared.",
    )
