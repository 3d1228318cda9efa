"""Find what in a piece of HTML could run script: the checks both XSS tests share."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from papers.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background"}
# Added by the sanitiser itself to every link.
ADDED_ATTRIBUTES = {"a": {"rel"}}
# What a browser drops from a URL before reading its scheme (WHATWG URL: leading and trailing
# C0 controls and spaces, and every tab or newline anywhere).
_URL_TRIM = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = re.compile("[\t\n\r]")


def url_scheme(url: str) -> str:
    """Return the scheme a browser would read from ``url`` (entities already decoded)."""
    cleaned = _TAB_NEWLINE.sub("", url.strip(_URL_TRIM))
    return urlsplit(cleaned).scheme.lower()


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ADDED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            elif name not in allowed:
                self.problems.append(f"attribute {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and url_scheme(value or "") not in SAFE_SCHEMES:
                self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")


def script_risks(html: str) -> list[str]:
    """Return what in ``html`` could run script or load something; [] when it is inert."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    problems = finder.problems
    if "<script" in html.lower():
        problems.append("the text <script")
    return problems
