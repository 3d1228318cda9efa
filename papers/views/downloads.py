"""The open data pages: /downloads/ (dated releases) and "How to cite irtkb"."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from papers.releases.build import CC_BY_URL, NLM_TERMS_URL
from papers.releases.listing import list_releases, release_file
from papers.releases.version import irtkb_version
from papers.views.pages import REVIEW_PMID, _review_for_citation

_CONTENT_TYPES = {
    ".json": "application/json",
    ".tsv": "text/tab-separated-values; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def release_list(request: HttpRequest) -> HttpResponse:
    """List the releases with their counts, files, sizes, checksums and download links."""
    return render(
        request,
        "papers/downloads.html",
        {
            "releases": list_releases(),
            "cc_by_url": CC_BY_URL,
            "nlm_terms_url": NLM_TERMS_URL,
            "nav": "downloads",
        },
    )


def release_download(request: HttpRequest, release: str, filename: str) -> FileResponse:
    """Send one file of one release; anything the release's manifest does not list is a 404."""
    path = release_file(release, filename)
    if path is None:
        raise Http404("No such release file.")
    content_type = _CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    # Data files download; the README and licence open in the browser.
    return FileResponse(
        path.open("rb"),
        as_attachment=path.suffix != ".txt",
        filename=f"irtkb-{release}-{path.name}",
        content_type=content_type,
    )


def how_to_cite(request: HttpRequest) -> HttpResponse:
    """Say how to cite irtkb, a release of it, and the review it is built around."""
    releases = list_releases()
    return render(
        request,
        "papers/how_to_cite.html",
        {
            "version": irtkb_version(),
            "latest": releases[0] if releases else None,
            "review": _review_for_citation(),
            "review_pmid": REVIEW_PMID,
            "downloads_url": request.build_absolute_uri("/downloads/"),
            "site_url": request.build_absolute_uri("/"),
            "cc_by_url": CC_BY_URL,
            "nlm_terms_url": NLM_TERMS_URL,
        },
    )
