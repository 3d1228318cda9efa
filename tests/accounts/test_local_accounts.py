"""`make run` creates an admin, a curator and an editor once, and keeps their passwords."""

from __future__ import annotations

import importlib.util
import os
import stat
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from accounts.local_accounts import ensure_local_accounts
from tests.accounts.conftest import can_log_in
from tests.worker.conftest import database_url_for_test_db

RUN_PY = Path(__file__).resolve().parents[2] / "scripts" / "run.py"


def _load_run_script():
    spec = importlib.util.spec_from_file_location("irtkb_run_script", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _saved(path: Path) -> tuple[str, str]:
    username, password = path.read_text().split()
    return username, password


@pytest.mark.django_db
def test_it_creates_the_three_accounts_with_private_credential_files(tmp_path):
    logins = ensure_local_accounts(credentials_dir=tmp_path)

    assert [login.username for login in logins] == ["admin", "curator", "editor"]
    users = get_user_model().objects.in_bulk(field_name="username")
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert [g.name for g in users["curator"].groups.all()] == ["Curator"]
    assert [g.name for g in users["editor"].groups.all()] == ["Editor"]
    assert not users["curator"].is_staff and not users["editor"].is_staff
    for login in logins:
        path = tmp_path / f"{login.username}-credentials.txt"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert _saved(path) == (login.username, login.password)
        assert can_log_in(login.username, login.password)
        assert f"{login.username} / {login.password}" in login.describe()


@pytest.mark.django_db
def test_a_second_run_prints_the_same_passwords_and_changes_none(tmp_path):
    first = ensure_local_accounts(credentials_dir=tmp_path)
    hashes = dict(get_user_model().objects.values_list("username", "password"))
    second = ensure_local_accounts(credentials_dir=tmp_path)

    assert [(x.username, x.password) for x in second] == [(x.username, x.password) for x in first]
    assert not any(login.created for login in second)
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes


@pytest.mark.django_db
def test_an_account_whose_password_is_not_on_file_is_left_alone(tmp_path):
    ensure_local_accounts(credentials_dir=tmp_path)
    (tmp_path / "editor-credentials.txt").unlink()
    editor = {x.username: x for x in ensure_local_accounts(credentials_dir=tmp_path)}["editor"]
    assert editor.password is None
    assert "manage.py changepassword editor" in editor.describe()


@pytest.mark.django_db(transaction=True)
def test_the_run_script_prints_the_three_logins_and_keeps_them(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url_for_test_db())
    run = _load_run_script()

    lines = run.ensure_accounts(tmp_path)  # a subprocess, as `make run` does it

    assert [line.split(" login: ")[0] for line in lines] == ["admin", "curator", "editor"]
    for username in ("admin", "curator", "editor"):
        path = tmp_path / f"{username}-credentials.txt"
        _, password = _saved(path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert any(f"{username} / {password}" in line for line in lines)
        assert can_log_in(username, password)
    # The next `make run` finds the accounts and prints the same passwords.
    again = ensure_local_accounts(credentials_dir=tmp_path)
    assert [x.password for x in again] == [_saved(p)[1] for p in sorted(tmp_path.iterdir())]
