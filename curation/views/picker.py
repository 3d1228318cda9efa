"""The editor's paper picker (htmx fragments): search, cite, add by PMID or DOI, progress."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from curation.forms import AddPaperForm, CitationRow, PickerForm
from curation.imports import QueueUnavailable, add_paper
from curation.selectors import papers_for_citations, picker_results
from curation.views.access import curator_required
from curation.workflow import paper_label
from papers.models import Paper, RefreshJob


@require_GET
@curator_required
def search(request: HttpRequest) -> HttpResponse:
    """Return the papers matching the picker's query, each with a "Cite" button."""
    form = PickerForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    return render(
        request,
        "curation/_picker_results.html",
        {"papers": picker_results(query), "query": query},
    )


@require_GET
@curator_required
def citation_row(request: HttpRequest) -> HttpResponse:
    """Return one citation row for the editor (the picker's "Cite" button appends it)."""
    pk = request.GET.get("paper", "")
    papers = papers_for_citations([int(pk)]) if pk.isdigit() else {}
    if not papers:
        raise Http404("No such paper.")
    paper = papers[int(pk)]
    if pk in request.GET.getlist("cited"):
        return HttpResponse(status=204)  # already cited: htmx leaves the page as it is
    return render(
        request, "curation/_citation_row.html", {"row": CitationRow(paper.pk, paper=paper)}
    )


@require_POST
@curator_required
def add(request: HttpRequest) -> HttpResponse:
    """Cite a paper by PMID or DOI: reuse it if irtkb holds it, else queue its import.

    Answers with a citation row to append, or (retargeted to the picker's message area) the
    reason nothing was added, with the typed identifier kept in the box.
    """
    form = AddPaperForm(request.POST)
    if not form.is_valid():
        return _add_problem(request, form, form.errors["identifier"][0])
    identifier = form.cleaned_data["identifier"]
    try:
        outcome = add_paper(identifier=identifier, user=request.user)
    except QueueUnavailable as exc:
        return _add_problem(request, form, str(exc))
    paper = outcome.paper
    if str(paper.pk) in request.POST.getlist("cited"):
        return _add_problem(request, form, f"{paper_label(paper)} is already cited in this item.")
    if paper.fetch_state == Paper.FetchState.NOT_FOUND:
        return _add_problem(
            request, form, f"{identifier} is not in PubMed: check the identifier and try again."
        )
    paper = papers_for_citations([paper.pk])[paper.pk]
    row = CitationRow(paper.pk, paper=paper, job_id=outcome.job.pk if outcome.job else None)
    return render(
        request,
        "curation/_citation_added.html",
        {"row": row, "job": outcome.job, "added": AddPaperForm()},
    )


def _add_problem(request: HttpRequest, form: AddPaperForm, message: str) -> HttpResponse:
    response = render(
        request, "curation/_add_paper.html", {"add_form": form, "problem": message}, status=200
    )
    # htmx puts this answer in place of the add box instead of appending it as a citation.
    response["HX-Retarget"] = "#add-paper"
    response["HX-Reswap"] = "outerHTML"
    return response


@require_GET
@curator_required
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """Return a cited paper's fetch progress; htmx polls it until the paper has arrived."""
    papers = papers_for_citations([pk])
    if not papers:
        raise Http404("No such paper.")
    job_id = request.GET.get("job", "")
    job = RefreshJob.objects.filter(pk=int(job_id)).first() if job_id.isdigit() else None
    return render(
        request,
        "curation/_paper_status.html",
        {"paper": papers[pk], "job": job},
    )
