"""Writing an item: the editor form (new, edit, revert), the conflict page and its merge."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from curation import diff
from curation.forms import AddPaperForm, CitationRow, ItemForm, PickerForm
from curation.selectors import (
    papers_for_citations,
    pending_revision,
    therapy_for,
    visible_item,
)
from curation.views.access import curator_required
from curation.workflow import (
    CONTENT_FIELDS,
    ContentError,
    EditConflict,
    ItemContent,
    WorkflowError,
    create_item,
    save_item,
)
from papers.intake.triage import suggested_papers
from papers.markdown import render_markdown
from papers.models import EvidenceNote, Therapy

Status = EvidenceNote.Status


@curator_required
def new_item(request: HttpRequest) -> HttpResponse:
    """Write a new item (a draft); ?therapy=<slug> chooses its therapy."""
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                note = create_item(user=request.user, content=form.content())
            except ContentError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "Saved as a draft. Submit it when it is ready.")
                return redirect(note)
    else:
        form = ItemForm(initial={"therapy": therapy_for(request.GET.get("therapy"))})
    return _editor(request, form, note=None)


@curator_required
def edit_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an item; a published one gets a pending revision. ?revert=<history id> starts from
    that past version."""
    if request.method == "POST" and not EvidenceNote.objects.filter(pk=pk).exists():
        return _save_over_accepted_revision(request, pk)
    note = visible_item(request.user, pk)
    if note.status == Status.RETIRED:
        messages.error(request, "A retired item cannot be edited.")
        return redirect(note)
    if request.method == "POST":
        form = ItemForm(request.POST)
        return _save(request, form, note)
    pending = pending_revision(note) if note.status == Status.PUBLISHED else None
    if pending is not None:
        messages.info(request, "This item has a pending revision; you are editing that.")
        target = reverse("curation:note-edit", kwargs={"pk": pending.pk})
        if request.GET.get("revert"):
            target += f"?revert={request.GET['revert']}"
        return redirect(target)
    source, reverted_from = note, ""
    if request.GET.get("revert"):
        source = _history_row(note, request.GET["revert"])
        reverted_from = f"reverted to the version of {source.history_date:%Y-%m-%d %H:%M} UTC"
    content = ItemContent.of(source)
    form = ItemForm(
        initial={**content.values, "version": note.version, "reverted_from": reverted_from},
        citations=[CitationRow(c.paper_id, c.quote) for c in content.citations],
    )
    return _editor(request, form, note=note, reverted_from=reverted_from)


def _save_over_accepted_revision(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer an edit of a revision that was published (so deleted) meanwhile: the curator's
    text meets the published item on the conflict page instead of vanishing with a 404."""
    row = EvidenceNote.history.filter(id=pk, revision_of__isnull=False).first()
    if row is None:
        raise Http404("No such evidence item.")
    item = visible_item(request.user, row.revision_of_id)
    form = ItemForm(request.POST)
    if not form.is_valid():
        return _editor(request, form, note=item)
    return _conflict(request, form, item)


def _history_row(note: EvidenceNote, history_id: str):
    row = None
    if history_id.isdigit():
        # A revision may restore a version of the item it revises.
        ids = [note.pk, *([note.revision_of_id] if note.revision_of_id else [])]
        row = (
            EvidenceNote.history.filter(id__in=ids, history_id=int(history_id))
            .select_related("therapy")
            .first()
        )
    if row is None:
        raise Http404("No such version of this item.")
    return row


def _save(request: HttpRequest, form: ItemForm, note: EvidenceNote) -> HttpResponse:
    if form.is_valid():
        try:
            saved = save_item(
                item=note,
                user=request.user,
                content=form.content(),
                base_version=form.cleaned_data.get("version"),
                reverted_from=form.cleaned_data.get("reverted_from") or "",
            )
        except EditConflict as exc:
            return _conflict(request, form, exc.current)
        except ContentError as exc:
            _add_errors(form, exc)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            if saved.pk != note.pk:
                messages.success(
                    request,
                    "Saved as a revision. Readers keep seeing the published version until an "
                    "editor publishes this one.",
                )
            elif saved.version == form.cleaned_data.get("version"):
                messages.info(request, "Nothing had changed, so nothing was saved.")
            else:
                messages.success(request, "Saved.")
            return redirect(saved)
    return _editor(request, form, note=note, reverted_from=form.data.get("reverted_from", ""))


def _add_errors(form: ItemForm, exc: ContentError) -> None:
    for name, errors in exc.errors.items():
        if name == "citations":
            continue
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    for row in form.citation_rows:
        row.error = exc.citation_errors.get(row.paper_id, row.error)
    if exc.citation_errors:
        form.add_error(None, "Some citations need attention: see the messages under them.")


def _editor(
    request: HttpRequest, form: ItemForm, *, note: EvidenceNote | None, reverted_from: str = ""
) -> HttpResponse:
    papers = papers_for_citations([row.paper_id for row in form.citation_rows])
    rows = [row for row in form.citation_rows if row.paper_id in papers]
    for row in rows:
        row.paper = papers[row.paper_id]
    statement = form.data.get("statement") if form.is_bound else form.initial.get("statement")
    return render(
        request,
        "curation/editor.html",
        {
            "form": form,
            "note": note,
            "rows": rows,
            "picker": PickerForm(),
            "add_form": AddPaperForm(),
            "preview": render_markdown(statement or ""),
            "reverted_from": reverted_from,
            "suggested": suggested_papers(_therapy_of(form, note), cited=papers),
        },
        status=200,
    )


def _therapy_of(form: ItemForm, note: EvidenceNote | None) -> Therapy | int | None:
    """Return the therapy the item is on (or its pk, as typed), for the picker's suggestions."""
    if form.is_bound:
        value = str(form.data.get("therapy", ""))
        return int(value) if value.isdigit() else None
    return form.initial.get("therapy") or (note.therapy if note else None)


# --- conflicts -------------------------------------------------------------------------------


def _conflict(request: HttpRequest, form: ItemForm, current: EvidenceNote) -> HttpResponse:
    """Show what the other person saved next to what this one typed, and offer a merge."""
    mine = form.content()
    theirs = ItemContent.of(current)
    rows = diff.compare(theirs, mine)
    data = _as_form_data(mine)
    return render(
        request,
        "curation/conflict.html",
        {
            "current": current,
            "rows": rows,
            "changed": [row for row in rows if row.changed],
            "mine_fields": [(name, data.get(name, "")) for name in CONTENT_FIELDS],
            "mine_cited": [c.paper_id for c in mine.citations],
            "mine_quotes": [(c.paper_id, c.quote) for c in mine.citations],
            "statement": mine.values.get("statement", ""),
            "reverted_from": form.cleaned_data.get("reverted_from") or "",
        },
        status=409,
    )


@require_POST
@curator_required
def merge_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the merge chosen on the conflict page (field by field: mine, theirs, or edited)."""
    note = visible_item(request.user, pk)
    theirs = _as_form_data(ItemContent.of(note))
    data = QueryDict(mutable=True)
    for name in CONTENT_FIELDS:
        choice = request.POST.get(f"choose-{name}", "mine")
        if name == "statement" and choice == "merged":
            data[name] = request.POST.get("merged-statement", "")
        elif choice == "theirs":
            data[name] = theirs.get(name, "")
        else:
            data[name] = request.POST.get(f"mine-{name}", "")
    if request.POST.get("choose-citations") == "theirs":
        cited = theirs.getlist("cited")
        for pk_text in cited:
            data[f"quote-{pk_text}"] = theirs.get(f"quote-{pk_text}", "")
    else:
        cited = request.POST.getlist("mine-cited")
        for pk_text in cited:
            data[f"quote-{pk_text}"] = request.POST.get(f"mine-quote-{pk_text}", "")
    data.setlist("cited", cited)
    data["version"] = request.POST.get("version", "")
    data["reverted_from"] = request.POST.get("reverted_from", "")
    return _save(request, ItemForm(data), note)


def _as_form_data(content: ItemContent) -> QueryDict:
    """Return content as the editor form would post it."""
    data = QueryDict(mutable=True)
    for name in CONTENT_FIELDS:
        value = content.values.get(name)
        if value is None:
            data[name] = ""
        elif name == "therapy":
            data[name] = str(getattr(value, "pk", value))
        elif hasattr(value, "normalize"):
            data[name] = f"{value:f}"
        else:
            data[name] = str(value)
    data.setlist("cited", [str(c.paper_id) for c in content.citations])
    for citation in content.citations:
        data[f"quote-{citation.paper_id}"] = citation.quote
    return data


@require_POST
@curator_required
def preview(request: HttpRequest) -> HttpResponse:
    """Return the statement rendered as readers will see it (htmx, as the curator types)."""
    return render(
        request,
        "curation/_preview.html",
        {"preview": render_markdown(request.POST.get("statement", ""))},
    )
