"""Anonymous clients are throttled per address, counted in Redis (the default cache)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousRateThrottle(AnonRateThrottle):
    """DRF's anonymous throttle at ``settings.API_ANON_THROTTLE_RATE``.

    Read from settings on every request (DRF's own reads its rates once at import), so the
    rate is one environment variable and tests can change it.
    """

    scope = "api-anon"

    def get_rate(self) -> str:
        return settings.API_ANON_THROTTLE_RATE
