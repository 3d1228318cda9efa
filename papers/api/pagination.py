"""Cursor pagination for every list, and a position cursor for ranked search results.

Cursors rather than page numbers: a harvester walking a list while papers are added neither
skips nor repeats a record, and no page costs a COUNT over the whole table.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 200


class IdCursorPagination(CursorPagination):
    """Page through a list in a fixed order, ``view.cursor_ordering`` (default: by id)."""

    ordering = ("id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)


class SearchCursorPagination(BasePagination):
    """Page through ranked search results with an opaque cursor (a position in the ranking).

    Relevance is a computed score, not a column, so a keyset cursor cannot follow it; the
    cursor holds the offset instead, encoded so clients treat it as opaque like the others.
    """

    cursor_query_param = "cursor"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None) -> list:
        self.request = request
        self.offset = self._decode(request.query_params.get(self.cursor_query_param))
        self.size = self._page_size(request)
        rows = list(queryset[self.offset : self.offset + self.size + 1])
        self.has_next = len(rows) > self.size
        return rows[: self.size]

    def get_paginated_response(self, data, **extra) -> Response:
        return Response(
            {
                **extra,
                "next": self._link(self.offset + self.size) if self.has_next else None,
                "previous": self._link(max(self.offset - self.size, 0)) if self.offset else None,
                "results": data,
            }
        )

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        try:
            size = int(raw) if raw else self.page_size
        except ValueError:
            return self.page_size
        return min(max(size, 1), self.max_page_size) if size > 0 else self.page_size

    def _decode(self, raw: str | None) -> int:
        if not raw:
            return 0
        try:
            text = base64.urlsafe_b64decode(raw.encode("ascii")).decode("ascii")
            key, _, value = text.partition("=")
            offset = int(value)
        except (UnicodeError, ValueError, binascii.Error):
            raise NotFound("Invalid cursor.") from None
        if key != "o" or offset < 0:
            raise NotFound("Invalid cursor.")
        return offset

    def _link(self, offset: int) -> str:
        url = self.request.build_absolute_uri()
        cursor = base64.urlsafe_b64encode(urlencode({"o": offset}).encode()).decode()
        return replace_query_param(url, self.cursor_query_param, cursor)
