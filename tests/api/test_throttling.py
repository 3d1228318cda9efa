"""Anonymous clients are throttled per address in Redis, with a clear 429."""

from __future__ import annotations

import secrets

from tests import factories


def _address() -> str:
    # A fresh address per test: the counts live in Redis and outlast the test's transaction.
    return f"127.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def test_an_anonymous_client_over_the_limit_gets_a_json_429_with_retry_after(client, db, settings):
    settings.API_ANON_THROTTLE_RATE = "3/minute"
    address = _address()

    statuses = [client.get("/api/v1/therapies/", REMOTE_ADDR=address).status_code for _ in range(3)]
    refused = client.get("/api/v1/therapies/", REMOTE_ADDR=address)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 60
    body = refused.json()
    assert body["retry_after"] == wait
    assert body["limit"] == "3/minute"
    assert body["detail"].startswith(
        "Too many requests: anonymous clients may make 3 per minute. Try again in"
    )


def test_another_address_is_counted_separately(client, db, settings):
    settings.API_ANON_THROTTLE_RATE = "1/minute"
    first, second = _address(), _address()

    assert client.get("/api/v1/therapies/", REMOTE_ADDR=first).status_code == 200
    assert client.get("/api/v1/therapies/", REMOTE_ADDR=first).status_code == 429
    assert client.get("/api/v1/therapies/", REMOTE_ADDR=second).status_code == 200


def test_signed_in_users_are_not_throttled(client, db, settings):
    settings.API_ANON_THROTTLE_RATE = "1/minute"
    client.force_login(factories.UserFactory(username="reader"))
    address = _address()

    statuses = {client.get("/api/v1/therapies/", REMOTE_ADDR=address).status_code for _ in range(3)}

    assert statuses == {200}
