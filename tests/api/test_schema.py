"""The API against its own OpenAPI schema: Schemathesis generates requests for every operation
(valid and invalid parameters) and checks each response: never a server error, every status,
content type, header and body as the schema at /api/schema/ says."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Enough to reach every parameter's edge cases on each of the dozen operations, in seconds.
EXAMPLES = 60


# Schemathesis's WSGI client sends "Host: localhost". The schema is read at collection (its
# lazy fixture loader does not run under pytest 9); producing it touches no database.
with override_settings(ALLOWED_HOSTS=["localhost"], API_ANON_THROTTLE_RATE="100000/minute"):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def _records(corpus, settings):
    """Serve the corpus (so responses have records) to the WSGI client's host."""
    settings.ALLOWED_HOSTS = ["localhost"]
    factories.PaperChangeFactory(paper=corpus.trial)
    # As Django's test client does: a request must not close the connection that holds the
    # test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_response_conforms_to_the_schema(case):
    case.call_and_validate(checks=CHECKS)


@pytest.fixture
def staff_cookie(client, db) -> str:
    client.force_login(factories.UserFactory(username="admin", is_staff=True))
    return f"sessionid={client.cookies['sessionid'].value}"


@schema.include(path_regex="refresh-jobs").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_staff_only_responses_conform_to_the_schema(case, staff_cookie):
    from papers.models import RefreshJob

    RefreshJob.objects.get_or_create(kind="refresh", trigger="command", status="succeeded")
    case.call_and_validate(checks=CHECKS, headers={"Cookie": staff_cookie})
