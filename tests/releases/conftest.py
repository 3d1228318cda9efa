"""Releases are written to a temporary directory per test (RELEASES_DIR)."""

from __future__ import annotations

import pytest

from tests.api.conftest import corpus  # noqa: F401  (the same small knowledge base)


@pytest.fixture(autouse=True)
def releases_dir(settings, tmp_path):
    settings.RELEASES_DIR = tmp_path / "releases"
    return settings.RELEASES_DIR
