"""Settings helpers refuse junk with a message that names the variable."""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from irtkb.env import database_settings, env_bool, env_float, env_int, env_list, env_url


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_env_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_env_bool_rejects_junk(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG")


def test_env_int_rejects_junk_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N='ten' is not a whole number"):
        env_int("N", 1)
    monkeypatch.setenv("N", "0")
    with pytest.raises(ImproperlyConfigured, match="N=0 must be at least 1"):
        env_int("N", 5, minimum=1)


def test_env_float_accepts_decimals_and_rejects_junk(monkeypatch):
    monkeypatch.setenv("PAUSE", " 0.25 ")
    assert env_float("PAUSE", 1.0) == 0.25
    for junk, message in [("soon", "is not a number"), ("nan", "is not a finite number")]:
        monkeypatch.setenv("PAUSE", junk)
        with pytest.raises(ImproperlyConfigured, match=f"PAUSE='{junk}' {message}"):
            env_float("PAUSE", 1.0)
    monkeypatch.setenv("PAUSE", "-1")
    with pytest.raises(ImproperlyConfigured, match="PAUSE=-1 must be at least 0"):
        env_float("PAUSE", 1.0, minimum=0.0)


def test_env_url_checks_the_scheme_and_host(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://db/x")
    with pytest.raises(ImproperlyConfigured, match="must start with one of: postgres://"):
        env_url("DATABASE_URL", schemes=("postgres", "postgresql"))
    monkeypatch.setenv("EUTILS_BASE_URL", "http:///no-host")
    with pytest.raises(ImproperlyConfigured, match="has no host"):
        env_url("EUTILS_BASE_URL", schemes=("http", "https"))


def test_env_list_splits_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.org, ,b.org")
    assert env_list("ALLOWED_HOSTS", []) == ["a.org", "b.org"]


def _settings_in_subprocess(env: dict) -> subprocess.CompletedProcess:
    code = "import django; from django.conf import settings; django.setup(); print(settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_without_debug_a_secret_key_is_required(monkeypatch):
    import os

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "irtkb.settings", "DEBUG": "0"}
    env.pop("SECRET_KEY", None)
    result = _settings_in_subprocess(env)
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_debug_is_off_unless_asked(monkeypatch):
    import os

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "irtkb.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    env.pop("DEBUG", None)
    result = _settings_in_subprocess(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_socket_url_puts_its_directory_in_host_with_its_case():
    config = database_settings("postgresql://postgres@/irtkb?host=/Var/Run/PG", conn_max_age=60)

    assert (config["HOST"], config["NAME"], config["USER"]) == ("/Var/Run/PG", "irtkb", "postgres")
    assert "OPTIONS" not in config
    assert config["CONN_MAX_AGE"] == 60


def test_a_tcp_url_is_read_as_dj_database_url_reads_it():
    config = database_settings("postgres://u:p@db.example:5433/kb?sslmode=require")

    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", 5433, "kb")
    assert config["OPTIONS"] == {"sslmode": "require"}
