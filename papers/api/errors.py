"""Error bodies of the API: always JSON with a ``detail`` message, never internal text."""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Return DRF's error response, with a 429 that says what the limit is and when to retry."""
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else None
        rate = settings.API_ANON_THROTTLE_RATE
        detail = f"Too many requests: anonymous clients may make {rate.replace('/', ' per ')}."
        if wait is not None:
            detail += f" Try again in {wait} second{'s' if wait != 1 else ''}."
        exc = exceptions.Throttled(wait=wait, detail=detail)
        response = drf_exception_handler(exc, context)
        response.data = {"detail": detail, "retry_after": wait, "limit": rate}
        return response
    return drf_exception_handler(exc, context)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_not_found(request: HttpRequest) -> HttpResponse:
    """Return the API's 404 for a path no route matches (Django's own page is HTML)."""
    return JsonResponse({"detail": "Not found."}, status=404)


def api_server_error(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": "Server error."}, status=500)
