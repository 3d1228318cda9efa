"""Accounts are tested through the site's and the admin's HTTP pages, as a person uses them."""

from __future__ import annotations

import pytest

PASSWORD = "correct horse battery staple"  # tests/factories.py UserFactory's password


def log_in(client, url: str, username: str, password: str = PASSWORD, **extra):
    """POST the login form at ``url`` (site or admin) and return the response."""
    return client.post(url, {"username": username, "password": password, **extra})


def can_log_in(username: str, password: str) -> bool:
    """Return True when the site's login form accepts ``username`` and ``password``."""
    from django.test import Client

    client = Client()
    return log_in(client, "/accounts/login/", username, password).status_code == 302


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply: PBKDF2's deliberate slowness is not what these tests test."""
    # PBKDF2 still checks the passwords that a subprocess (scripts/run.py) hashed.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
