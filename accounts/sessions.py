"""Staff sessions end sooner than readers': a stolen or forgotten admin session is worth more."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shorten_staff_session(sender: Any, *, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Set a staff member's new session to expire after STAFF_SESSION_SECONDS.

    Runs on ``user_logged_in``, after login() has cycled the session key, for the site's and
    the admin's login alike. Everyone else keeps SESSION_COOKIE_AGE.
    """
    if user.is_staff and request is not None and hasattr(request, "session"):
        request.session.set_expiry(settings.STAFF_SESSION_SECONDS)
