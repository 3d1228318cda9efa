"""Start the embedded PostgreSQL/Redis for a test session that has no DATABASE_URL/REDIS_URL.

A pytest plugin (``-p tests.embedded_servers`` in pyproject's addopts) rather than a conftest
hook: pytest-django reads the settings in its own pytest_load_initial_conftests, before any
conftest.py is loaded, and the settings must find the exported URLs by then.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Start the embedded server for each unset URL and export it, before Django loads."""
    from irtkb import embedded

    embedded.start_missing()
