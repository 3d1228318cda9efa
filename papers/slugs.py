"""Readable URL slugs, for models and templates alike (no template or view imports here)."""

from __future__ import annotations

from django.utils.text import slugify

from papers.markup import strip_tags

# Long enough to recognise a title in a link, short enough to keep URLs readable.
PAPER_SLUG_LENGTH = 60


def paper_slug(title: str | None) -> str:
    """Return a short readable slug from a paper's title ("" when it has no title yet)."""
    return slugify(strip_tags(title or ""))[:PAPER_SLUG_LENGTH].strip("-")
