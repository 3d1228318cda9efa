"""The one place where Bio.Entrez is bent to our needs: base URL, identity, timeout, retries.

Bio.Entrez hard-codes ``https://eutils.ncbi.nlm.nih.gov/entrez/eutils/<tool>.fcgi`` inside each
of its functions and passes it to the private ``Bio.Entrez._build_request``. We wrap that one
function so every request goes to the configured base URL (the replay server offline, or a
proxy) and carries our tool, email, API key and timeout. tests/ncbi/test_redirect.py fails if
Biopython renames it, changes its signature or its URLs, so an upgrade cannot silently send
requests (or tests) somewhere we did not configure.

Bio.Entrez._open, which sends the request, is left alone but set up deliberately:
- it retries by itself (``max_tries``, sleeping ``sleep_between_tries`` = 15 s on network
  errors); we set ``max_tries = 1`` because papers.pubmed.transport owns retries and backoff;
- it spaces requests 0.37 s apart (0.1 s with an API key) within one process; the shared Redis
  bucket (papers.pubmed.ratelimit) spaces requests at least that far apart across all processes,
  so Biopython's own check finds nothing left to wait for and never doubles a wait;
- it calls ``urlopen(request)`` without a timeout, so the Request we build pins one;
- ``urlopen`` builds urllib's opener on its first call, and with it an SSL context that loads
  the system's CA certificates; ``warm_up()`` does that before the first rate-limit slot is
  taken (see there).
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import urllib.request
from collections.abc import Iterator
from urllib.request import Request

from Bio import Entrez

from papers.pubmed.config import NCBI_EUTILS_URL, NcbiConfig, config_from_settings

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
            "review papers/pubmed/redirect.py for this Biopython version."
        )

    def build_request(cgi, params=None, post=None, ecitmatch=False, join_ids=True):
        config = _active_config.get() or _settings_config()
        if config is not None:
            # Who we are goes with every request (NCBI asks for tool and email); passed as
            # parameters rather than Bio.Entrez's module globals so configurations can coexist.
            params = dict(params or {})
            params.setdefault("tool", config.tool)
            params.setdefault("email", config.email)
            params.setdefault("api_key", config.api_key)
        base_url = config.base_url if config is not None else NCBI_EUTILS_URL
        request = original(
            _redirect(cgi, base_url), params, post=post, ecitmatch=ecitmatch, join_ids=join_ids
        )
        return _pin_timeout(request, config.timeout_seconds if config is not None else None)

    build_request.irtkb_wrapped = True
    build_request.__wrapped__ = original
    build_request.__doc__ = original.__doc__
    Entrez._build_request = build_request
    Entrez.max_tries = 1
    Entrez.sleep_between_tries = 0


def warm_up() -> None:
    """Build urllib's opener now, unless something already did, rather than inside a request.

    The first ``urlopen()`` of a process builds it, loading the CA certificates: 30 ms on an
    idle machine, 200 ms on a busy one. Spent after the shared rate limiter had handed out
    the slot, that made a fresh worker's first request arrive late, close behind the next
    process's, and NCBI counts arrivals. The transport calls this before taking a slot.
    """
    if getattr(urllib.request, "_opener", None) is None:
        urllib.request.install_opener(urllib.request.build_opener())


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
            "review papers/pubmed/redirect.py for this Biopython version."
        )
    return base_url + cgi[len(NCBI_EUTILS_URL) :]


def _settings_config() -> NcbiConfig | None:
    # Bio.Entrez called directly (a shell session, a script): still honour the settings.
    from django.conf import settings

    if not settings.configured:
        return None
    return config_from_settings()


def _pin_timeout(request: Request, timeout: float | None) -> Request:
    pinned = TimeoutRequest(
        request.full_url, data=request.data, headers=dict(request.headers), method=request.method
    )
    pinned.pinned_timeout = timeout
    return pinned
