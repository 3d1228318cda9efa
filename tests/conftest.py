"""Shared fixtures. Tests run against real PostgreSQL and real Redis (see README: Testing)."""

from __future__ import annotations

import socket

import pytest

# Prints the coverage figure and holds whole-suite runs to the floor (see the module).
pytest_plugins = ["tests.coverage_floor"]

_LOCAL_HOSTS = ("::1", "localhost")


def _is_local(host: object) -> bool:
    return isinstance(host, str) and (host.startswith("127.") or host in _LOCAL_HOSTS)


@pytest.fixture(autouse=True)
def _block_internet(monkeypatch):
    """Fail loudly if a test tries to reach anything but this machine (NCBI included)."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(host):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _crossref_off(settings):
    """Ask Crossref only in tests that point CROSSREF_BASE_URL at a replay server and turn
    CROSSREF_ENABLED back on (tests/intake/test_crossref.py)."""
    settings.CROSSREF_ENABLED = False


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Serve static files without a manifest, as under DEBUG.

    Tests run with DEBUG off, where the project uses whitenoise's manifest storage, which needs
    collectstatic to have run; tests/web/test_static_files.py covers the manifest itself.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> None:
    """Start each test with no cached page current: rolled-back rows send no signals."""
    from papers.content_version import new_content_version

    new_content_version()
