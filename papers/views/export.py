"""Citation downloads (BibTeX, RIS, CSL-JSON) and the formatted-citation page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import slugify

from papers.export import EXPORT_CAP, FORMATS, ExportFormat, format_nlm_citation
from papers.models import Paper, Therapy
from papers.search.query import search_papers
from papers.views.forms import SearchForm, YearFilterForm


def _format_or_404(fmt: str) -> ExportFormat:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise Http404(f"Unknown export format “{fmt}”.") from None


def _nothing_matched(request: HttpRequest, what: str, back_url: str, back_label: str):
    """Return a 404 page saying the export is empty: an empty 200 file looks like success."""
    context = {"what": what, "back_url": back_url, "back_label": back_label}
    return render(request, "papers/export_empty.html", context, status=404)


def _download(
    papers, export_format: ExportFormat, stem: str, *, truncated_note: str = ""
) -> HttpResponse:
    """Return the rendered papers as an attachment named ``<stem>.<extension>``."""
    if export_format.slug == "bibtex":
        body = export_format.render(papers, note=truncated_note)
    else:
        body = export_format.render(papers)
    response = HttpResponse(body, content_type=f"{export_format.content_type}; charset=utf-8")
    filename = f"{slugify(stem) or 'irtkb'}.{export_format.extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if truncated_note:
        response["X-Export-Truncated"] = truncated_note
    return response


def export_paper(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Download one paper's citation."""
    export_format = _format_or_404(fmt)
    paper = get_object_or_404(Paper.objects.with_listing().defer("search_vector"), pk=pk)
    stem = f"pmid-{paper.pmid}" if paper.pmid else f"irtkb-paper-{paper.pk}"
    return _download([paper], export_format, stem)


def export_therapy(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """Download the citations of every paper tied to a therapy (``?year=`` for one year)."""
    export_format = _format_or_404(fmt)
    therapy = get_object_or_404(Therapy, slug=slug)
    papers = (
        Paper.objects.tied_to_therapy(therapy)
        .with_listing()
        .defer("search_vector")
        .order_by("-pub_date_sort", "-pk")
    )
    form = YearFilterForm(request.GET)
    year = form.cleaned_data["year"] if form.is_valid() else None
    stem = f"irtkb-{therapy.slug}"
    if year:
        papers = papers.filter(pub_year=year)
        stem += f"-{year}"
    papers = list(papers)
    if not papers:
        what = f"No papers on {therapy.name}" + (f" from {year}" if year else "")
        back = reverse("papers:therapy-papers", kwargs={"slug": therapy.slug})
        return _nothing_matched(request, what, back, f"Papers on {therapy.name}")
    return _download(papers, export_format, stem)


def export_search(request: HttpRequest, fmt: str) -> HttpResponse:
    """Download the results of a search (same query and filters), capped at EXPORT_CAP."""
    export_format = _format_or_404(fmt)
    form = SearchForm(request.GET)
    if not form.is_valid():
        problems = "\n".join(
            f"{field}: {message}" for field, messages in form.errors.items() for message in messages
        )
        return HttpResponse(
            f"The search could not be exported:\n{problems}\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if not form.has_criteria:
        # As on the search page: no query and no filter is not a search, and exporting "the
        # first 1,000 papers" of the whole database would be a surprise download.
        return HttpResponse(
            "The search could not be exported: give search words or at least one filter.\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    outcome = search_papers(form.cleaned_data)
    papers = list(outcome.ordered(outcome.count()).with_listing()[: EXPORT_CAP + 1])
    if not papers:
        back = f"{reverse('papers:search')}?{request.GET.urlencode()}"
        return _nothing_matched(request, "No papers match this search", back, "Back to the search")
    note = ""
    if len(papers) > EXPORT_CAP:
        papers = papers[:EXPORT_CAP]
        note = (
            f"irtkb: this export holds the first {EXPORT_CAP} results only; "
            "narrow the search to export the rest."
        )
    return _download(papers, export_format, "irtkb-search", truncated_note=note)


def cite_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a paper's formatted citation (NLM) with links to every download format."""
    paper = get_object_or_404(Paper.objects.with_listing(), pk=pk)
    context = {
        "paper": paper,
        "citation": format_nlm_citation(paper),
        "export_formats": FORMATS.values(),
    }
    return render(request, "papers/export_cite.html", context)
