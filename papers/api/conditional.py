"""ETag and Last-Modified on every GET, and 304 Not Modified for a matching conditional GET.

The ETag is a digest of the response body, so it changes whenever anything in the body does
(a record added to or removed from a list page included). Last-Modified is the newest change
time of the records in the body, given only when every record has one (therapies have none):
it cannot see a record leaving a list, so clients should prefer If-None-Match, which per
RFC 9110 takes precedence when both are sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils.cache import get_conditional_response
from django.utils.http import http_date


class ConditionalGetMixin:
    """Add validators to a view's successful GET responses and answer 304 when they match."""

    def modified_at(self, obj) -> dt.datetime | None:
        """Return when ``obj`` last changed, or None if the model keeps no such time."""
        return None

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._shown = page if page is not None else None
        return page

    def get_object(self):
        obj = super().get_object()
        self._shown = [obj]
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        response.render()
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        last_modified = self._last_modified()
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        # Staff see refresh jobs, others a 403: the answer depends on the session.
        response["Vary"] = "Accept, Cookie"
        return get_conditional_response(
            request,
            etag=etag,
            last_modified=int(last_modified.timestamp()) if last_modified else None,
            response=response,
        )

    def _last_modified(self) -> dt.datetime | None:
        shown = getattr(self, "_shown", None)
        if not shown:
            return None
        times = [self.modified_at(obj) for obj in shown]
        if any(time is None for time in times):
            return None
        return max(times)
