"""URLs of the public pages. Names carry the ``papers:`` prefix."""

from django.urls import path

from papers.cache import cached_page
from papers.views import bibcheck, downloads, export, feeds, pages, search

app_name = "papers"

urlpatterns: list = [
    path("", pages.home, name="home"),
    path("therapies/", pages.therapy_list, name="therapy-list"),
    path("therapies/<slug:slug>/", pages.therapy_detail, name="therapy-detail"),
    path("therapies/<slug:slug>/papers/", pages.therapy_papers, name="therapy-papers"),
    path("compare/", pages.compare, name="compare"),
    path("review/", pages.review, name="review"),
    path("papers/<int:pk>/", pages.paper_detail, name="paper-detail"),
    path("papers/<int:pk>/<slug:slug>/", pages.paper_detail, name="paper-detail-slug"),
    path("pmid/<int:pmid>/", pages.paper_by_pmid, name="paper-by-pmid"),
    # Search and citation export (papers/views/search.py, papers/views/export.py).
    path("search/", search.search, name="search"),
    path("export/papers/<int:pk>/", export.cite_paper, name="cite-paper"),
    path("export/papers/<int:pk>.<str:fmt>", export.export_paper, name="export-paper"),
    path("export/therapies/<slug:slug>.<str:fmt>", export.export_therapy, name="export-therapy"),
    path("export/search.<str:fmt>", export.export_search, name="export-search"),
    # "Check my bibliography" (papers/views/bibcheck.py); the JSON twin moves under the DRF API.
    path("check-bibliography/", bibcheck.check_page, name="check-bibliography"),
    path("api/v1/bibliography-check/", bibcheck.check_api, name="api-bibliography-check"),
    # Atom feeds (papers/views/feeds.py), cached like the pages until content changes.
    path("feeds/evidence.atom", cached_page(feeds.EvidenceFeed()), name="feed-evidence"),
    path(
        "feeds/therapies/<slug:slug>/evidence.atom",
        cached_page(feeds.TherapyEvidenceFeed()),
        name="feed-therapy-evidence",
    ),
    path(
        "feeds/flagged-papers.atom",
        cached_page(feeds.FlaggedPapersFeed()),
        name="feed-flagged-papers",
    ),
    # Open data: dated releases and how to cite (papers/views/downloads.py).
    path("downloads/", downloads.release_list, name="downloads"),
    path(
        "downloads/<str:release>/<str:filename>",
        downloads.release_download,
        name="release-file",
    ),
    path("cite/", downloads.how_to_cite, name="how-to-cite"),
]
