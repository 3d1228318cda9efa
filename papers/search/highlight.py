"""Highlighted titles and abstract snippets for a page of search results (ts_headline)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db.models import F, Func, TextField
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers.markup import strip_tags
from papers.models import Paper
from papers.search.index import SEARCH_CONFIG

# Sentinels ts_headline wraps around matches; irtkb_plain removes them from the source text,
# so after HTML-escaping the snippet they can only mean "highlight here".
_MARK_START = "\x02"
_MARK_END = "\x03"


@dataclass(frozen=True)
class Highlight:
    title: SafeString
    snippet: SafeString


def highlights(papers: list[Paper], query: SearchQuery | None) -> dict[int, Highlight]:
    """Return the highlighted title and abstract snippet of each paper, in one query."""
    if query is None:
        return {
            paper.pk: Highlight(
                title=escape(paper.title_text),
                snippet=escape(_leading_words(_abstract_text(paper), 40)),
            )
            for paper in papers
        }
    rows = (
        Paper.objects.filter(pk__in=[paper.pk for paper in papers])
        .annotate(
            title_marked=SearchHeadline(
                Func(F("title"), function="irtkb_plain", output_field=TextField()),
                query,
                config=SEARCH_CONFIG,
                start_sel=_MARK_START,
                stop_sel=_MARK_END,
                highlight_all=True,
            ),
            snippet_marked=SearchHeadline(
                Func(F("abstract"), function="irtkb_abstract_text", output_field=TextField()),
                query,
                config=SEARCH_CONFIG,
                start_sel=_MARK_START,
                stop_sel=_MARK_END,
                max_words=50,
                min_words=25,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .values_list("pk", "title_marked", "snippet_marked")
    )
    return {
        pk: Highlight(title=render_marked(title), snippet=render_marked(snippet))
        for pk, title, snippet in rows
    }


def render_marked(text: str | None) -> SafeString:
    """Return headline text as HTML: everything escaped except the highlight sentinels."""
    # The text still carries nh3's entities (&lt;, &amp;); decode them so they are escaped once.
    escaped = escape(html.unescape(text or ""))
    # Safe: every character came through escape(); only our own <mark> tags are added.
    return mark_safe(escaped.replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>"))


def _abstract_text(paper: Paper) -> str:
    sections = paper.abstract_sections
    return " ".join(strip_tags(section.get("text", "")) for section in sections)


def _leading_words(text: str, count: int) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")
