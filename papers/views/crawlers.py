"""What crawlers read: ``sitemap.xml`` (an index of sections) and ``robots.txt``.

The sitemap lists the public pages worth indexing (home, therapies and their paper lists, the
comparison, the review, every paper page); robots.txt keeps crawlers out of what is per-query
or private (search, export, the bibliography check, admin, accounts, curation, the API).
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from papers.cache import cached_page
from papers.models import Paper, Therapy

# Paths no crawler should walk: results of a query, downloads, forms, private areas.
DISALLOWED = (
    "/search/",
    "/export/",
    "/check-bibliography/",
    "/admin/",
    "/accounts/",
    "/curate/",
    "/api/",
)


class PagesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["papers:home", "papers:therapy-list", "papers:compare", "papers:review"]

    def location(self, name: str) -> str:
        return reverse(name)


class TherapySitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> list[tuple[Therapy, str]]:
        therapies = Therapy.objects.order_by("position", "name")
        return [(t, kind) for t in therapies for kind in ("detail", "papers")]

    def location(self, item: tuple[Therapy, str]) -> str:
        therapy, kind = item
        if kind == "detail":
            return therapy.get_absolute_url()
        return reverse("papers:therapy-papers", kwargs={"slug": therapy.slug})


class PaperSitemap(Sitemap):
    changefreq = "monthly"
    # Well below the protocol's 50,000 URLs per file, so one section page stays small to build.
    limit = 10_000

    def items(self):
        return Paper.objects.only("pk", "title", "changed_at", "created_at").order_by("pk")

    def location(self, paper: Paper) -> str:
        return paper.get_absolute_url()

    def lastmod(self, paper: Paper):
        return paper.changed_at or paper.created_at


SITEMAPS = {"pages": PagesSitemap, "therapies": TherapySitemap, "papers": PaperSitemap}


@cached_page
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """Return the sitemap index: one entry per section page."""
    # Django's sitemap views answer with a TemplateResponse; the page cache needs its bytes.
    return sitemap_views.index(request, SITEMAPS, sitemap_url_name="sitemap-section").render()


@cached_page(params=("p",))
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """Return one section of the sitemap (``?p=`` pages through the papers)."""
    return sitemap_views.sitemap(request, SITEMAPS, section=section).render()


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Return robots.txt: crawl the public pages, stay out of DISALLOWED, find the sitemap."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap-index'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
