"""Curators' Markdown, rendered to HTML that is safe to put on a public page.

Two layers, because either alone has failed somewhere: markdown-it-py runs with raw HTML off
(so ``<script>`` typed into a statement stays text), and its output is then cleaned by nh3
with a short allow-list of tags, attributes and URL schemes (so a ``javascript:`` link or an
``onerror`` that the parser let through never reaches the page).
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# What a statement needs: emphasis, lists, links, quotes, inline code, small tables. No images
# (a statement cites papers, it does not embed pictures) and no headings above h4 (the item
# sits inside a page that has its own).
ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "sub",
    "sup",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# "commonmark" with html=False: tags typed by a curator are escaped, not passed through;
# linkify stays off so that no URL is turned into a link the curator did not write.
_PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render_markdown(text: str) -> SafeString:
    """Return ``text`` (Markdown) as sanitised HTML, ready to be shown as is."""
    html = _PARSER.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        strip_comments=True,
        # Links leave the site without telling the target where the reader came from.
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # cleaned by nh3 just above
