"""The one place where Bio.Entrez is bent to our needs: base URL, timeout, retries.

Bio.Entrez hard-codes ``https://eutils.ncbi.nlm.nih.gov/entrez/eutils/<tool>.fcgi`` inside each
of its functions and passes it to the private ``Bio.Entrez._build_request``. We wrap that one
function so every request goes to the configured base URL (the replay server offline, or a
proxy) and carries our timeout. tests/ncbi/test_redirect.py fails if Biopython renames it,
changes its signature or its URLs, so an upgrade cannot silently send tests to the real NCBI.

Bio.Entrez._open, which sends the request, is left alone but set up deliberately:
- it retries by itself (``max_tries``, sleeping ``sleep_between_tries`` = 15 s on network
  errors); we set ``max_tries = 1`` because papers.ncbi.transport owns retries and backoff;
- it spaces requests 0.37 s apart (0.1 s with an API key) within one process; the shared Redis
  bucket (papers.ncbi.ratelimit) spaces requests at least that far apart across all processes,
  so Biopython's own check finds nothing left to wait for and never doubles a wait;
- it calls ``urlopen(request)`` without a timeout, so the Request we build pins one.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
from collections.abc import Iterator
from urllib.request import Request

from Bio import Entrez

from papers.ncbi.config import NCBI_EUTILS_URL, NcbiConfig

# The signature we wrap; a different one means Biopython changed and this module needs a look.
EXPECTED_SIGNATURE = "(cgi, params=None, post=None, ecitmatch=False, join_ids=True)"

_active_config: contextvars.ContextVar[NcbiConfig | None] = contextvars.ContextVar(
    "ncbi_active_config", default=None
)


class TimeoutRequest(Request):
    """A Request that keeps its own timeout when ``urlopen()`` assigns the default one."""

    pinned_timeout: float | None = None
    _assigned_timeout: object = None

    @property
    def timeout(self) -> object:
        if self.pinned_timeout is not None:
            return self.pinned_timeout
        return self._assigned_timeout

    @timeout.setter
    def timeout(self, value: object) -> None:
        # urllib's OpenerDirector.open() sets ``req.timeout`` to its argument (the global
        # default when Bio.Entrez calls urlopen(request)); a pinned timeout wins over it.
        self._assigned_timeout = value


def install() -> None:
    """Wrap ``Bio.Entrez._build_request`` once and hand retries over to our transport."""
    if getattr(Entrez._build_request, "irtkb_wrapped", False):
        return
    original = Entrez._build_request
    signature = str(inspect.signature(original))
    if signature != EXPECTED_SIGNATURE:
        raise RuntimeError(
            f"Bio.Entrez._build_request{signature} is not the expected {EXPECTED_SIGNATURE}; "
            "review papers/ncbi/redirect.py for this Biopython version."
        )

    def build_request(cgi, params=None, post=None, ecitmatch=False, join_ids=True):
        config = _active_config.get()
        request = original(
            _redirect(cgi, _base_url(config)),
            params,
            post=post,
            ecitmatch=ecitmatch,
            join_ids=join_ids,
        )
        return _pin_timeout(request, config.timeout_seconds if config else None)

    build_request.irtkb_wrapped = True
    build_request.__wrapped__ = original
    build_request.__doc__ = original.__doc__
    Entrez._build_request = build_request
    Entrez.max_tries = 1
    Entrez.sleep_between_tries = 0


@contextlib.contextmanager
def using(config: NcbiConfig) -> Iterator[None]:
    """Send the Bio.Entrez requests made inside the block with ``config``'s URL and timeout."""
    install()
    token = _active_config.set(config)
    try:
        yield
    finally:
        _active_config.reset(token)


def _redirect(cgi: str, base_url: str) -> str:
    if not cgi.startswith(NCBI_EUTILS_URL):
        raise RuntimeError(
            f"Bio.Entrez asked for {cgi!r}, outside {NCBI_EUTILS_URL}; "
            "review papers/ncbi/redirect.py for this Biopython version."
        )
    return base_url + cgi[len(NCBI_EUTILS_URL) :]


def _base_url(config: NcbiConfig | None) -> str:
    if config is not None:
        return config.base_url
    # Bio.Entrez called directly (a shell session, a script): still honour EUTILS_BASE_URL.
    from django.conf import settings

    if settings.configured and getattr(settings, "EUTILS_BASE_URL", ""):
        return NcbiConfig(base_url=settings.EUTILS_BASE_URL).base_url
    return NCBI_EUTILS_URL


def _pin_timeout(request: Request, timeout: float | None) -> Request:
    pinned = TimeoutRequest(
        request.full_url, data=request.data, headers=dict(request.headers), method=request.method
    )
    pinned.pinned_timeout = timeout
    return pinned
