"""A local stand-in for NCBI E-utilities, serving PubMed XML fixture files over real HTTP.

Run it by hand with ``python manage.py replay_eutils --fixtures DIR --port N`` and point
EUTILS_BASE_URL at ``http://127.0.0.1:N/entrez/eutils/``; in tests use::

    with running_replay_server(fixtures_dir, faults=Faults(fail_first=1)) as server:
        ...  # server.base_url, server.requests, server.set_faults(...)

It answers efetch, esearch (PMID and ``"<doi>"[doi]`` terms), epost and elink over GET and
POST, injects faults on request (HTTP 429/500, slow, truncated, disconnect, ``<ERROR>``), and
logs every request. See docs/ncbi.md.
"""

from __future__ import annotations

from papers.eutils_replay.faults import FAULT_KINDS, Faults
from papers.eutils_replay.fixtures import FixtureIndex
from papers.eutils_replay.requestlog import LoggedRequest
from papers.eutils_replay.server import ReplayServer, running_replay_server

__all__ = [
    "FAULT_KINDS",
    "Faults",
    "FixtureIndex",
    "LoggedRequest",
    "ReplayServer",
    "running_replay_server",
]
