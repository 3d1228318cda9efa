"""The public pages: home, therapies, the comparison, the review and paper pages.

Every view reads what it shows in a fixed number of queries (select_related / prefetch or one
query for a whole set of ids), so page cost does not grow with the data; anonymous requests
are then answered from the page cache until content changes (papers/cache.py).
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from papers.cache import cached_page, original_query_string
from papers.models import (
    EvidenceNote,
    Paper,
    PaperChange,
    PaperLink,
    PivotalTrial,
    ReconstitutionPoint,
    Reference,
    RelatedPapers,
    Therapy,
)
from papers.models.bibliography import PAPER_LARGE_FIELDS
from papers.notices import crossref_record, notice_report
from papers.related import claim_fetch, related_context
from papers.related.tasks import queue_fetch
from papers.views.forms import YearFilterForm
from papers.views.metadata import absolute, highwire_tags, scholarly_article, therapy_thing
from papers.views.reconstitution_chart import build_chart
from papers.views.usage import usage_for_papers

# The review the knowledge base is built around (Lünemann et al., Nat Rev Neurol 2020).
REVIEW_PMID = 31649335
RECENT_CHANGES = 10
RECENT_NOTES = 6
PAPERS_PER_PAGE = 25
# Cited papers shown under each note on a therapy page; "and N more" links to the full list.
PAPERS_PER_NOTE = 3
THERAPIES_PER_PAGE = 20


def _review_for_citation() -> Paper | None:
    """Return the review with its journal and authors, or None before the dataset is loaded."""
    return Paper.objects.with_listing().filter(pmid=REVIEW_PMID).first()


def _notes_by_type(notes) -> list[tuple[str, str, list[EvidenceNote]]]:
    """Group notes as [(type value, type label, notes)] in the order of NoteType."""
    grouped: dict[str, list[EvidenceNote]] = defaultdict(list)
    for note in notes:
        grouped[note.note_type].append(note)
    return [
        (value, label, grouped[value])
        for value, label in EvidenceNote.NoteType.choices
        if grouped.get(value)
    ]


def _local_papers_by_pmid(pmids) -> dict[int, Paper]:
    """Return {pmid: Paper} for the PMIDs we hold, so links can stay inside irtkb."""
    wanted = {pmid for pmid in pmids if pmid}
    if not wanted:
        return {}
    return Paper.objects.only("pk", "pmid", "title").in_bulk(wanted, field_name="pmid")


@cached_page
def home(request: HttpRequest) -> HttpResponse:
    """Show what the knowledge base covers, the review, the five therapies and recent changes."""
    changes = PaperChange.objects.select_related("paper").order_by("-changed_at", "-pk")
    notes = EvidenceNote.objects.published().select_related("therapy").order_by("-updated_at")
    return render(
        request,
        "papers/home.html",
        {
            "review": _review_for_citation(),
            "therapies": Therapy.objects.order_by("position", "name"),
            "changes": changes[:RECENT_CHANGES],
            "recent_notes": notes[:RECENT_NOTES],
            "nav": "home",
        },
    )


@cached_page(params=("page",))
def therapy_list(request: HttpRequest) -> HttpResponse:
    """List the therapies with how much evidence stands behind each."""
    therapies = Therapy.objects.annotate(
        note_count=Count(
            "evidence_notes",
            filter=Q(evidence_notes__status=EvidenceNote.Status.PUBLISHED),
            distinct=True,
        ),
        trial_count=Count("pivotal_trials", distinct=True),
    ).order_by("position", "name")
    page = Paginator(therapies, THERAPIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "papers/therapy_list.html", {"page": page, "therapies": page, "nav": "therapies"}
    )


@cached_page
def therapy_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show one therapy: what it is, how the immune system returns, its trials and notes."""
    therapy = get_object_or_404(Therapy, slug=slug)
    trials = (
        therapy.pivotal_trials.select_related("paper__journal")
        .defer(*(f"paper__{name}" for name in PAPER_LARGE_FIELDS))
        .order_by("position")
    )
    points = list(
        therapy.reconstitution_points.select_related("source__journal")
        .defer(*(f"source__{name}" for name in PAPER_LARGE_FIELDS))
        .order_by("position")
    )
    years = Paper.objects.tied_to_therapy(therapy).count_by_year()
    return render(
        request,
        "papers/therapy_detail.html",
        {
            "therapy": therapy,
            "trials": trials,
            "points": points,
            "reconstitution_chart": build_chart(therapy, points),
            "note_groups": _notes_by_type(_notes_with_some_papers(therapy)),
            "papers_url": paper_list_path(therapy),
            "years": years,
            "years_chart": _years_chart(therapy, years),
            "paper_total": sum(row["count"] for row in years),
            "json_ld": therapy_thing(therapy, absolute(request, therapy.get_absolute_url())),
            "nav": "therapies",
        },
    )


def _notes_with_some_papers(therapy: Therapy) -> list[EvidenceNote]:
    """Return the therapy's published notes, each with at most PAPERS_PER_NOTE cited papers.

    ``note.shown_papers`` holds those papers (flagged ones first, so a retraction is never
    hidden behind the cap, then newest first) and ``note.paper_count`` how many it cites.
    Sixty notes citing ~450 papers would otherwise make a page of hundreds of citations; the
    rest are one click away on the therapy's paginated paper list.
    """
    shown = (
        Paper.objects.without_large_fields()
        .select_related("journal")
        .order_by(
            "-is_retracted",
            "-has_expression_of_concern",
            "-has_erratum",
            F("pub_date_sort").desc(nulls_last=True),
            "-pk",
        )
    )
    notes = (
        therapy.evidence_notes.published()
        .annotate(paper_count=Count("papers"))
        .prefetch_related(
            Prefetch("papers", queryset=shown[:PAPERS_PER_NOTE], to_attr="shown_papers")
        )
        .order_by("pk")
    )
    notes = list(notes)
    for note in notes:
        note.more_papers = note.paper_count - len(note.shown_papers)
    return notes


def _years_chart(therapy: Therapy, years: list[dict]) -> dict:
    """Return the papers-by-year chart's data with empty years filled in, so gaps show."""
    counts = {row["pub_year"]: row["count"] for row in years if row["pub_year"]}
    if not counts:
        return {"title": "", "bars": []}
    first, last = min(counts), max(counts)
    base = paper_list_path(therapy)
    return {
        "title": f"Papers on {therapy.name} by publication year",
        "bars": [
            {"label": str(year), "count": counts.get(year, 0), "url": f"{base}?year={year}"}
            for year in range(first, last + 1)
        ],
    }


def paper_list_path(therapy: Therapy) -> str:
    """Return the URL of a therapy's paper list."""
    return reverse("papers:therapy-papers", kwargs={"slug": therapy.slug})


@cached_page(params=("year", "page"))
def therapy_papers(request: HttpRequest, slug: str) -> HttpResponse:
    """List the papers behind one therapy, newest first, optionally for one year."""
    therapy = get_object_or_404(Therapy, slug=slug)
    form = YearFilterForm(request.GET)
    papers = (
        Paper.objects.tied_to_therapy(therapy)
        .with_listing()
        .without_large_fields()
        .order_by("-pub_date_sort", "-pmid", "-pk")
    )
    year = form.cleaned_data["year"] if form.is_valid() else None
    if year:
        papers = papers.filter(pub_year=year)
    page = Paginator(papers, PAPERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "papers/therapy_papers.html",
        {
            "therapy": therapy,
            "page": page,
            "form": form,
            "year": year,
            "extra_query": urlencode({"year": year}) if year else "",
            "nav": "therapies",
        },
    )


@cached_page
def compare(request: HttpRequest) -> HttpResponse:
    """Show the therapies side by side, every cell linked to the evidence behind it."""
    therapies = list(
        Therapy.objects.order_by("position", "name").prefetch_related(
            Prefetch(
                "pivotal_trials",
                queryset=PivotalTrial.objects.select_related("paper").order_by("position"),
            ),
            Prefetch(
                "reconstitution_points",
                queryset=ReconstitutionPoint.objects.select_related("source").order_by("position"),
            ),
        )
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        EvidenceNote.objects.published()
        .order_by()
        .values("therapy_id", "note_type")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["therapy_id"]][row["note_type"]] = row["n"]
    for therapy in therapies:
        therapy.note_counts = counts.get(therapy.pk, {})
    return render(request, "papers/compare.html", {"therapies": therapies, "nav": "compare"})


@cached_page
def review(request: HttpRequest) -> HttpResponse:
    """Show the review as PubMed does, with its numbered references and what uses each."""
    paper = get_object_or_404(Paper.objects.with_detail(), pmid=REVIEW_PMID)
    references = list(
        Reference.objects.filter(review=paper).select_related("paper__journal").order_by("position")
    )
    usage = usage_for_papers(ref.paper_id for ref in references)
    for ref in references:
        ref.usage = usage.get(ref.paper_id)
        ref.links = _reference_links(ref)
    local = _local_papers_by_pmid(link.target_pmid for link in paper.links.all())
    return render(
        request,
        "papers/review.html",
        {
            "paper": paper,
            "references": references,
            "links": _links_with_targets(paper.links.all(), local),
            "affiliations": _numbered_affiliations(paper),
            "nav": "review",
        },
    )


def _reference_links(ref: Reference) -> dict[str, str]:
    """Return the PubMed / PMC / DOI links of a reference, from its paper or as printed."""
    paper = ref.paper
    pmid = (paper.pmid if paper else None) or ref.pmid
    pmcid = (paper.pmcid if paper else None) or ref.pmcid
    doi = (paper.doi if paper else None) or ref.doi
    return {
        "pubmed": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else "",
        "pmc": f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/" if pmcid else "",
        "doi": f"https://doi.org/{doi}" if doi else "",
    }


def _links_with_targets(links, local: dict[int, Paper]) -> list[tuple[PaperLink, Paper | None]]:
    return [(link, local.get(link.target_pmid)) for link in links]


def _numbered_affiliations(paper: Paper) -> list[str]:
    """Number distinct affiliations once, as PubMed does, and return them in number order.

    Each prefetched authorship gets ``affiliation_numbers`` pointing into that list (1-based).
    """
    numbers: dict[str, int] = {}
    for authorship in paper.authorships.all():
        authorship.affiliation_numbers = [
            numbers.setdefault(text, len(numbers) + 1) for text in authorship.affiliations
        ]
    return list(numbers)


def _related(paper: Paper) -> dict:
    """Return the related papers to show, queueing a fetch when there are none or they are old."""
    row = RelatedPapers.objects.filter(paper=paper).first() if paper.pmid else None
    if claim_fetch(paper, row):
        queue_fetch(paper.pk)
    return related_context(row)


@cached_page
def paper_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    """Show one paper with everything known about it and what in irtkb cites it."""
    # The Crossref record (papers/doi_metadata.py), if any, in the same query.
    paper = get_object_or_404(Paper.objects.with_detail().select_related("crossref"), pk=pk)
    canonical = paper.get_absolute_url()
    if request.path != canonical:
        query = original_query_string(request)  # a redirect is never cached: keep it all
        return redirect(f"{canonical}?{query}" if query else canonical, permanent=True)
    links = list(paper.links.all())
    incoming = (
        list(PaperLink.objects.filter(target_pmid=paper.pmid).select_related("source"))
        if paper.pmid
        else []
    )
    return render(
        request,
        "papers/paper_detail.html",
        {
            "paper": paper,
            "affiliations": _numbered_affiliations(paper),
            "links": _links_with_targets(
                links, _local_papers_by_pmid(link.target_pmid for link in links)
            ),
            "incoming": incoming,
            "usage": usage_for_papers([paper.pk])[paper.pk],
            "related": _related(paper),
            "notices": notice_report(
                paper, record=crossref_record(paper), links=links, incoming=incoming
            ),
            "cited_in": Reference.objects.filter(paper=paper)
            .select_related("review")
            .order_by("review_id", "position"),
            "is_review": paper.pmid == REVIEW_PMID,
            "corrections": list(paper.overrides.order_by("field")),
            "citation_meta": highwire_tags(paper),
            "json_ld": scholarly_article(paper, absolute(request, canonical)),
        },
    )


def paper_by_pmid(request: HttpRequest, pmid: int) -> HttpResponse:
    """Redirect /pmid/<pmid>/ to the paper's page."""
    paper = get_object_or_404(Paper.objects.only("pk", "title"), pmid=pmid)
    return redirect(paper)
