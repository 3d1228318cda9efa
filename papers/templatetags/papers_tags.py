"""Template helpers for the public pages: safe inline markup, paper URLs, short author lists."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from papers.export import FORMATS, format_nlm_citation
from papers.markdown import render_markdown
from papers.markup import sanitize_inline, strip_tags

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


def paper_slug(paper) -> str:
    """Return a short readable slug from the paper's title ("" when it has no title yet)."""
    slug = slugify(strip_tags(paper.title or ""))[:60].strip("-")
    return slug


def paper_path(paper) -> str:
    """Return the canonical URL of a paper page: /papers/<pk>/<slug>/ (or /papers/<pk>/)."""
    slug = paper_slug(paper)
    if slug:
        return reverse("papers:paper-detail-slug", kwargs={"pk": paper.pk, "slug": slug})
    return reverse("papers:paper-detail", kwargs={"pk": paper.pk})


@register.filter
def paper_url(paper) -> str:
    """Return the canonical URL of ``paper``'s page."""
    return paper_path(paper)


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


@register.simple_tag
def export_formats() -> list:
    """Return the download formats (BibTeX, RIS, CSL-JSON), for export links on any page."""
    return list(FORMATS.values())


@register.filter
def nlm_citation(paper) -> str:
    """Return the paper's formatted citation as PubMed's Cite box prints it (NLM)."""
    return format_nlm_citation(paper)
