"""A local stand-in for NCBI E-utilities, serving PubMed XML fixture files over real HTTP.

A development and test tool, not part of the app: it imports nothing of Django or irtkb, so
it runs from any Python with lxml. Run it with ``python -m eutils_replay --fixtures DIR
--port N`` and point EUTILS_BASE_URL at ``http://127.0.0.1:N/entrez/eutils/``; in tests use::

    with running_replay_server(fixtures_dir, faults=Faults(fail_first=1)) as server:
        ...  # server.base_url, server.requests, server.set_faults(...)

It answers efetch (by id or from the history server), esearch (PMID and ``"<doi>"[doi]``
terms, free-text queries with date windows for watched searches, ``usehistory=y``), elink
(pubmed_pubmed_refs, pubmed_pubmed_citedin, pubmed_pubmed) and Crossref's
``/crossref/works/{doi}`` from ``*.json`` fixtures, over GET and POST; injects faults on
request (HTTP 429/500, slow, truncated, disconnect, ``<ERROR>``, efetch replies that silently
omit records), and logs every request.
See docs/ncbi.md and docs/intake.md.
"""

from __future__ import annotations

from eutils_replay.faults import FAULT_KINDS, Faults
from eutils_replay.fixtures import FixtureIndex
from eutils_replay.requestlog import LoggedRequest
from eutils_replay.server import ReplayServer, running_replay_server

__all__ = [
    "FAULT_KINDS",
    "Faults",
    "FixtureIndex",
    "LoggedRequest",
    "ReplayServer",
    "running_replay_server",
]
