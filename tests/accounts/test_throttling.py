"""Wrong passwords are throttled per username and address on the site's and the admin's login."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.accounts.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE_LOGIN, ADMIN_LOGIN = "/accounts/login/", "/admin/login/"


@pytest.mark.parametrize("login_url", [SITE_LOGIN, ADMIN_LOGIN])
def test_thirty_wrong_passwords_are_throttled_after_the_limit(client, settings, login_url):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [
        log_in(client, login_url, "root", password=f"guess-{n}").status_code for n in range(30)
    ]
    assert statuses[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert statuses[limit - 1 :] == [429] * (31 - limit)

    locked = log_in(client, login_url, "root")  # the right password, during the lockout
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    page = locked.content.decode()
    assert "Too many failed logins" in page and f"After {limit} wrong passwords" in page
    assert '<header class="site-header">' in page  # the site's page, not a bare 403 text

    # Counted in PostgreSQL, where every web process sees the same attempts.
    attempt = AccessAttempt.objects.get(username="root")
    assert attempt.failures_since_start >= limit and attempt.ip_address == "127.0.0.1"


def test_a_lockout_holds_one_username_only_and_ends_after_the_cool_off(client, settings):
    UserFactory(username="root", is_staff=True)
    UserFactory(username="carol")
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, ADMIN_LOGIN, "root", password=f"guess-{n}")
    assert log_in(Client(), ADMIN_LOGIN, "root").status_code == 429
    assert log_in(Client(), SITE_LOGIN, "carol").status_code == 302

    # Move the failures back past the cool-off, as if that much time had gone by.
    past = dt.timedelta(minutes=1) + settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - past)
    response = log_in(Client(), ADMIN_LOGIN, "root", next="/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
