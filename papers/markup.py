"""Safe rendering of PubMed's inline markup (<i>, <b>, <sup>, <sub>, <u>, MathML)."""

from __future__ import annotations

import re

import nh3

# PubMed's DTD allows these inline tags in titles and abstracts; MathML arrives as mml:*,
# which the parser renames to plain MathML element names before sanitising.
INLINE_TAGS = {"i", "b", "u", "sup", "sub", "em", "strong"}
MATHML_TAGS = {
    "math",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mrow",
    "msup",
    "msub",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mover",
    "munder",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
    "mspace",
    "mstyle",
    "mfenced",
    "semantics",
    "annotation",
    "mpadded",
    "mphantom",
}
_ALLOWED_ATTRIBUTES = {
    "math": {"display", "xmlns"},
    "mo": {"stretchy", "fence", "separator", "lspace", "rspace"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mfenced": {"open", "close", "separators"},
    "mspace": {"width"},
}
_TAG_RE = re.compile(r"<[^>]+>")


def sanitize_inline(html: str) -> str:
    """Return ``html`` with only PubMed's inline and MathML tags left; everything else escaped."""
    return nh3.clean(
        html,
        tags=INLINE_TAGS | MATHML_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    )


def strip_tags(html: str) -> str:
    """Return the plain text of sanitised inline markup (for search, exports and <title>)."""
    import html as html_lib

    return html_lib.unescape(_TAG_RE.sub("", html or "")).strip()
