from django.contrib import admin
from django.urls import include, path
from django.views import defaults

from papers.api.errors import api_not_found, api_server_error, is_api_request
from papers.views import crawlers, health

urlpatterns = [
    # Health (papers/views/health.py): JSON for monitors; the admin's status page for staff.
    path("healthz", health.healthz, name="healthz"),
    path("admin/status/", health.admin_status, name="admin-status"),
    path("admin/", admin.site.urls),
    path("api/", include("papers.api.urls")),
    path("accounts/", include("accounts.urls")),
    # For crawlers (papers/views/crawlers.py): an index of sitemap sections, and robots.txt.
    path("sitemap.xml", crawlers.sitemap_index, name="sitemap-index"),
    path("sitemap-<slug:section>.xml", crawlers.sitemap_section, name="sitemap-section"),
    path("robots.txt", crawlers.robots_txt, name="robots-txt"),
    path("", include("papers.urls")),
    path("", include("curation.urls")),
    path("", include("staff.urls")),
]


def handler404(request, exception):
    """Answer a path under /api/ that no route matches in JSON, like the API's own 404s."""
    if is_api_request(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if is_api_request(request):
        return api_server_error(request)
    return defaults.server_error(request)
