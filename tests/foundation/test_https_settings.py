"""HTTPS settings come from the environment: off by default, clean for `check --deploy` on."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from irtkb.env import env_pair

BASE_DIR = Path(__file__).resolve().parents[2]

# What `make check` sets for `check --deploy` (see the Makefile's CHECK_ENV).
PRODUCTION_LIKE = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "irtkb.example.org",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "SECURE_COOKIES": "1",
}
# DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it in this process, and check --deploy
# rightly refuses it.
LEFT_OUT = [*PRODUCTION_LIKE, "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"]


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEFT_OUT}
    env["DJANGO_SETTINGS_MODULE"] = "irtkb.settings"
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return {**env, **overrides}


def _print_settings(env: dict[str, str], *names: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import django; from django.conf import settings; django.setup(); "
        f"print([getattr(settings, n) for n in {list(names)!r}])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=BASE_DIR, capture_output=True, text=True
    )


def test_https_redirect_hsts_and_proxy_header_are_off_unless_the_environment_asks():
    result = _print_settings(
        _env(),
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[False, 0, False, False, None]"


def test_the_proxy_header_is_read_as_a_header_and_a_value(monkeypatch):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO, https")
    assert env_pair("SECURE_PROXY_SSL_HEADER") == ("HTTP_X_FORWARDED_PROTO", "https")
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "")
    assert env_pair("SECURE_PROXY_SSL_HEADER") is None


def test_a_proxy_header_without_its_value_is_refused_with_the_expected_form(monkeypatch):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO")
    with pytest.raises(ImproperlyConfigured, match="must be two comma-separated values"):
        env_pair("SECURE_PROXY_SSL_HEADER")


def test_check_deploy_is_clean_under_a_production_like_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_env(**PRODUCTION_LIKE),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
