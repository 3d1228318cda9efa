"""Template helpers for the public pages: safe inline markup, paper URLs, short author lists."""

from __future__ import annotations

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from papers.export import FORMATS, format_nlm_citation
from papers.markdown import render_markdown
from papers.markup import sanitize_inline, strip_tags
from papers.views.reconstitution_chart import nadir_text, recovery_text

register = template.Library()


@register.filter
def inline_markup(value: str | None) -> SafeString:
    """Return PubMed inline markup sanitised again, then marked safe.

    Stored titles and abstracts were sanitised at parse time, but rows can also arrive through
    the admin or a future import path: sanitising at render time means no stored value is ever
    trusted as HTML.
    """
    return mark_safe(sanitize_inline(value or ""))


@register.filter
def markdown(value: str | None) -> SafeString:
    """Return a curator's Markdown (an evidence statement) as sanitised HTML."""
    return render_markdown(value or "")


@register.filter
def plain_text(value: str | None) -> str:
    """Return the text of inline markup, for <title> and attributes (autoescaped after).

    Sanitise first so the text of dropped elements (a <script>'s body) does not leak in.
    """
    return strip_tags(sanitize_inline(value or ""))


@register.filter
def paper_url(paper) -> str:
    """Return the canonical URL of ``paper``'s page."""
    return paper.get_absolute_url()


@register.filter
def short_authors(paper, limit: int = 3) -> str:
    """Return "Last AB, Last CD, Last EF, et al" from prefetched authorships.

    No final full stop: the citation template adds one after the author list.
    """
    names = [str(a.author) for a in paper.authorships.all()]
    if len(names) > limit:
        return ", ".join(names[:limit]) + ", et al"
    return ", ".join(names)


@register.filter
def first_author(paper) -> str:
    """Return "Last AB et al." (PubMed's short form) from prefetched authorships."""
    authorships = list(paper.authorships.all())
    if not authorships:
        return ""
    name = authorships[0].author.display_name
    return f"{name} et al." if len(authorships) > 1 else name


@register.filter
def months(value) -> str:
    """Return a month count without a trailing ".0" (6.0 -> "6", 1.5 -> "1.5")."""
    if value is None:
        return ""
    text = f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value}"
    return text


@register.filter
def recovery(point) -> str:
    """Return a reconstitution point's recovery value with its statistic ("mean 36 months")."""
    return recovery_text(point)


@register.filter
def nadir(point) -> str:
    """Return a reconstitution point's nadir time as its source gives it ("nadir at week 13")."""
    return nadir_text(point)


@register.simple_tag
def export_formats() -> list:
    """Return the download formats (BibTeX, RIS, CSL-JSON), for export links on any page."""
    return list(FORMATS.values())


@register.filter
def nlm_citation(paper) -> str:
    """Return the paper's formatted citation as PubMed's Cite box prints it (NLM)."""
    return format_nlm_citation(paper)


# As django.utils.html.json_script: <, > and & as \u escapes, so no string in the data can
# close the <script> element or open a comment inside it.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def ld_json(data: dict) -> SafeString:
    """Return ``data`` as a schema.org JSON-LD block.

    ``type="application/ld+json"`` is a data block: browsers never execute it, so a Content
    Security Policy without 'unsafe-inline' does not need to allow it.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_SCRIPT_ESCAPES)),
    )


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """Return the absolute canonical URL of the current page.

    The path without its query string, except ``page`` and ``year``, which select different
    content on the public lists (each page of a list is its own canonical page).
    """
    request = context.get("request")
    if request is None:
        return ""
    kept = {key: request.GET[key] for key in ("year", "page") if request.GET.get(key)}
    query = "&".join(f"{key}={value}" for key, value in kept.items() if value.isdigit())
    return request.build_absolute_uri(request.path + (f"?{query}" if query else ""))
