from django.contrib import admin
from django.urls import include, path

from papers.views import crawlers

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    # For crawlers (papers/views/crawlers.py): an index of sitemap sections, and robots.txt.
    path("sitemap.xml", crawlers.sitemap_index, name="sitemap-index"),
    path("sitemap-<slug:section>.xml", crawlers.sitemap_section, name="sitemap-section"),
    path("robots.txt", crawlers.robots_txt, name="robots-txt"),
    path("", include("papers.urls")),
    path("", include("curation.urls")),
]
