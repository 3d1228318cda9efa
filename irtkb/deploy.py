"""The production stance the settings enforce: a strong SECRET_KEY, CSP, Permissions-Policy.

Imported by the settings, so it reads django.conf.settings only inside the middleware.
"""

from __future__ import annotations

from collections.abc import Callable

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse

MAKE_SECRET_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
# Values people leave in place from examples and tutorials (ours is `.env.example`'s).
PLACEHOLDER_KEYS = {
    "change-me",
    "changeme",
    "secret",
    "secret-key",
    "your-secret-key",
    "your-secret-key-here",
    "replace-me",
    "insecure-development-only-key",
}
# What Django's own check (security.W009) asks of a key.
MIN_LENGTH, MIN_DISTINCT = 50, 5


def secret_key_weakness(key: str) -> str | None:
    """Say what is wrong with ``key`` for production use, or None if nothing is."""
    if key.strip().lower() in PLACEHOLDER_KEYS:
        return f"the placeholder {key!r}"
    if key.startswith("django-insecure-"):
        return "one Django made for development (it starts with django-insecure-)"
    if len(key) < MIN_LENGTH:
        return f"too short ({len(key)} characters; at least {MIN_LENGTH})"
    if len(set(key)) < MIN_DISTINCT:
        return f"too uniform (fewer than {MIN_DISTINCT} different characters)"
    return None


Middleware = Callable[[HttpRequest], HttpResponse]


class PermissionsPolicyMiddleware:
    """Add ``settings.PERMISSIONS_POLICY`` to every response that has none of its own."""

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class FallbackCSPMiddleware:
    """Content-Security-Policy from ``settings.SECURE_CSP`` where Django has no CSP (< 6.0).

    Django 6's ContentSecurityPolicyMiddleware reads the same setting; this writes the same
    header from it (no nonces: no page needs one).
    """

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = "; ".join(
            " ".join([directive, *values]) for directive, values in settings.SECURE_CSP.items()
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


CSP_MIDDLEWARE = (
    ["django.middleware.csp.ContentSecurityPolicyMiddleware"]
    if django.VERSION >= (6, 0)
    else ["irtkb.deploy.FallbackCSPMiddleware"]
)
