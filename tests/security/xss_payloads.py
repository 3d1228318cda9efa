"""Cross-site scripting payloads typed into an evidence statement (Markdown).

Each payload, if it ran, would call ``alert(N)`` with its own number N, so a failure names the
payload. They cover raw HTML (off in our Markdown, so it must come out as text), Markdown links
and autolinks with script URLs, encodings of those URLs, SVG and MathML, frames and plugins,
styles, broken and nested tags, comments, link titles, code spans, null bytes and unusual
whitespace. Sources: the OWASP XSS filter evasion cheat sheet and PortSwigger's XSS cheat
sheet, adapted to Markdown.
"""

from __future__ import annotations

_RAW = [
    # Script tags, plain and disguised.
    "<script>alert(N)</script>",
    "<SCRIPT SRC=//xss.invalid/N.js></SCRIPT>",
    "<scr<script>ipt>alert(N)</scr</script>ipt>",
    "<<script>alert(N)//<</script>",
    "<script\x00>alert(N)</script>",
    "<scr\x00ipt>alert(N)</scr\x00ipt>",
    '"><script>alert(N)</script>',
    "<template><script>alert(N)</script></template>",
    # Event handlers on many tags.
    "<img src=x onerror=alert(N)>",
    "<IMG SRC=JaVaScRiPt:alert(N)>",
    "<img src=x onerror=alert(N)//",
    "<svg onload=alert(N)>",
    "<svg/onload=alert(N)>",
    "<body onload=alert(N)>",
    "<details open ontoggle=alert(N)>",
    "<input autofocus onfocus=alert(N)>",
    "<select autofocus onfocus=alert(N)></select>",
    "<textarea autofocus onfocus=alert(N)></textarea>",
    "<video><source onerror=alert(N)></video>",
    "<audio src=x onerror=alert(N)>",
    "<marquee onstart=alert(N)>x</marquee>",
    "<p onmouseover=alert(N)>hover me</p>",
    "<a href=# onclick=alert(N)>click me</a>",
    "<x onclick=alert(N)>click me</x>",
    "<table background=javascript:alert(N)><tr><td>x</td></tr></table>",
    # SVG and MathML.
    "<svg><script>alert(N)</script></svg>",
    '<svg><a xlink:href="javascript:alert(N)"><text x="0" y="20">click</text></a></svg>',
    "<svg><animate onbegin=alert(N) attributeName=x dur=1s>",
    "<svg><foreignObject><img src=x onerror=alert(N)></foreignObject></svg>",
    '<math href="javascript:alert(N)">click</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(N)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(N)>">',
    # Frames, objects, embeds, forms, base and meta.
    '<iframe src="javascript:alert(N)"></iframe>',
    '<iframe srcdoc="<script>alert(N)</script>"></iframe>',
    '<object data="javascript:alert(N)"></object>',
    '<embed src="javascript:alert(N)">',
    '<form action="javascript:alert(N)"><button>go</button></form>',
    '<button formaction="javascript:alert(N)">go</button>',
    '<base href="javascript:alert(N)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(N)">',
    '<link rel=import href="data:text/html,<script>alert(N)</script>">',
    # Styles and expressions.
    '<div style="background:url(javascript:alert(N))">x</div>',
    '<div style="width: expression(alert(N))">x</div>',
    "<style>@import 'javascript:alert(N)';</style>",
    # HTML comments.
    "<!--<script>alert(N)</script>-->",
    "<!-- --!><img src=x onerror=alert(N)> -->",
    # Raw anchors with encoded schemes.
    '<a href="javascript:alert(N)">click</a>',
    '<a href="jav&#x09;ascript:alert(N)">click</a>',
    '<a href="&#106;avascript:alert(N)">click</a>',
    # Markdown links, autolinks and references with script URLs.
    "[click](javascript:alert(N))",
    "[click](JaVaScRiPt:alert(N))",
    "[click](javascript&#58;alert(N))",
    "[click](javascript&colon;alert(N))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(N))",
    "[click](&#x6A;avascript:alert(N))",
    "[click](  javascript:alert(N))",
    "[click](<java\tscript:alert(N)>)",
    "[click](jav&#x0A;ascript:alert(N))",
    "[click](java\x00script:alert(N))",
    "[click](\u2028javascript:alert(N))",
    "[click](\u00a0javascript:alert(N))",
    "[click](\x0bjavascript:alert(N))",
    "[click](javascript://%0aalert(N))",
    "[click](javascript:void(alert(N)))",
    "[click](vbscript:msgbox(N))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](DATA:text/html,<script>alert(N)</script>)",
    "<javascript:alert(N)>",
    "<JAVASCRIPT:alert(N)>",
    "<vbscript:msgbox(N)>",
    "<data:text/html,alert(N)>",
    "[click][ref]\n\n[ref]: javascript:alert(N)",
    '[click][ref]\n\n[ref]: javascript:alert(N) "a title"',
    "[click]\n\n[click]: <javascript:alert(N)>",
    # Markdown link titles with quotes, trying to break out of the attribute.
    '[click](https://example.org "a\\" onmouseover=\\"alert(N)")',
    "[click](https://example.org 'x\\' onclick=alert(N) ')",
    '[click](https://example.org/"><script>alert(N)</script>)',
    # Images (not allowed at all) with script in the URL or the alt text.
    "![picture](javascript:alert(N))",
    '![x" onerror="alert(N)](https://example.org/x.png)',
    # Markdown around raw HTML, and code that must stay code.
    "**bold<img src=x onerror=alert(N)>**",
    "> <img src=x onerror=alert(N)>",
    "| a |\n|---|\n| <img src=x onerror=alert(N)> |",
    "[fine](https://example.org)<img src=x onerror=alert(N)>",
    "`<script>alert(N)</script>`",
    "``<img src=x onerror=alert(N)>``",
    "```html\n<script>alert(N)</script>\n```",
    "[`code`](javascript:alert(N))",
    "javascript:alert(N)",
]


def payloads() -> list[tuple[int, str]]:
    """Return [(N, payload)] with each payload's own number in place of N in ``alert(N)``."""
    return [(n, _number(raw, n)) for n, raw in enumerate(_RAW, start=1)]


def _number(raw: str, n: int) -> str:
    return raw.replace("(N)", f"({n})").replace("/N.", f"/{n}.")


PAYLOADS = payloads()
# PostgreSQL refuses NUL in text (and Django's form fields refuse it before that), so payloads
# with a null byte can reach render_markdown but never a saved statement.
STORABLE_PAYLOADS = [(n, payload) for n, payload in PAYLOADS if "\x00" not in payload]
