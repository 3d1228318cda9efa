"""The interactive API documentation: Swagger UI from our own static files, no inline script.

drf-spectacular's SpectacularSwaggerView inlines its start-up script and a <style> block, which
a Content-Security-Policy without 'unsafe-inline' refuses; this page loads the sidecar's
Swagger UI build and a small static start-up file (static/js/api-docs.js) instead, and sends a
policy of its own that allows nothing else.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

# Swagger UI draws its icons from data: URIs and sets styles through the DOM (allowed).
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)


def api_docs(request: HttpRequest) -> HttpResponse:
    """Show Swagger UI for the OpenAPI schema at /api/schema/."""
    response = render(request, "api/docs.html", {"schema_url": reverse("api:schema")})
    response["Content-Security-Policy"] = DOCS_CSP
    return response
