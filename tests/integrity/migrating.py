"""Walking the schema back to test a migration on old rows, and forward again afterwards."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def back_to_the_latest_schema():
    """Use in a module that walks the schema back: later tests need every migration again."""
    yield
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
