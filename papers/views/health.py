"""/healthz for load balancers and monitors, and the admin's status page for staff."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from papers.health import check_health


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The checks as JSON: 200 when healthy, 503 when not; never cached anywhere."""
    health = check_health()
    return JsonResponse(health.as_dict(), status=200 if health.healthy else 503)


@staff_member_required
@never_cache
def admin_status(request: HttpRequest) -> HttpResponse:
    """The same checks as a page in the admin, for staff."""
    health = check_health()
    context = {
        **admin.site.each_context(request),
        "title": "System status",
        "health": health,
        "checks": health.checks,
    }
    return render(request, "admin/status.html", context, status=200 if health.healthy else 503)
