"""Fixtures for the NCBI client tests: a replay server thread and a client config for it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.conf import settings

from eutils_replay import running_replay_server
from papers.pubmed import NcbiConfig
from papers.pubmed.ratelimit import redis_client
from tests.ncbi.synthetic import FIRST_SYNTHETIC_PMID, write_synthetic_pubmed

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "eutils"
SYNTHETIC_COUNT = 450
SYNTHETIC_PMIDS = list(range(FIRST_SYNTHETIC_PMID, FIRST_SYNTHETIC_PMID + SYNTHETIC_COUNT))


@pytest.fixture
def rate_key():
    """Return a Redis key of this test's own, so test runs never share a request budget."""
    key = f"test:ncbi-rate:{uuid.uuid4().hex}"
    yield key
    redis_client(settings.REDIS_URL).delete(key, f"{key}:sent")


@pytest.fixture
def replay():
    """Run the replay server on the project's test fixtures."""
    with running_replay_server(FIXTURES_DIR) as server:
        yield server


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory):
    """Write 450 synthetic records (plus the hand-written fixtures) for batching tests."""
    directory = tmp_path_factory.mktemp("eutils")
    write_synthetic_pubmed(directory / "generated", SYNTHETIC_PMIDS)
    return directory


@pytest.fixture
def synthetic_replay(synthetic_dir):
    """Run the replay server on the synthetic records."""
    with running_replay_server(synthetic_dir) as server:
        yield server


def make_config(server, rate_key: str, **overrides) -> NcbiConfig:
    """Return a client config for ``server``: tiny backoff and timeout so faults test fast.

    It carries an API key (sent only to the replay server) so requests are spaced 0.11 s
    rather than 0.37 s apart; the rate-limit tests use the no-key limit explicitly.
    """
    options = {
        "base_url": server.base_url,
        "email": "tests@example.org",
        "api_key": "replay-test-key",
        "tool": "irtkb-tests",
        "timeout_seconds": 1.0,
        "redis_url": settings.REDIS_URL,
        "rate_limit_key": rate_key,
        "max_attempts": 4,
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.05,
    }
    options.update(overrides)
    return NcbiConfig(**options)


@pytest.fixture
def config(replay, rate_key):
    """Return a client config pointing at the ``replay`` server."""
    return make_config(replay, rate_key)
