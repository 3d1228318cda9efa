"""Who may open which workspace page: small checks shared by the views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from papers.roles import can_curate

View = Callable[..., HttpResponse]


def role_required(check: Callable[[Any], bool], refusal: str) -> Callable[[View], View]:
    """Return a view decorator that sends anonymous users to the login page and refuses (403)
    accounts for which ``check(user)`` is false, saying ``refusal``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


curator_required = role_required(can_curate, "This page is for curators and editors.")


def is_htmx(request: HttpRequest) -> bool:
    """Return True for a request htmx made (it wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"
