"""Pipeline fixtures: a replay server on the synthetic fixtures, with the app pointed at it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from eutils_replay import running_replay_server

PUBMED_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pubmed"


@pytest.fixture
def app_replay(settings):
    """Run the replay server on tests/fixtures/pubmed and point the app's settings at it."""
    with running_replay_server(PUBMED_FIXTURES) as server:
        settings.EUTILS_BASE_URL = server.base_url
        # A key of its own, so this test's requests do not wait on another test's budget.
        settings.NCBI_RATE_LIMIT_KEY = f"irtkb:test:{uuid.uuid4().hex}"
        settings.NCBI_MAX_ATTEMPTS = 2
        yield server
