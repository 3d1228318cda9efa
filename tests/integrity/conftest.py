from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.integrity.migrating import back_to_the_latest_schema  # noqa: F401 (a fixture)
from tests.pipeline.conftest import app_replay  # noqa: F401  (the replay server fixture)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
