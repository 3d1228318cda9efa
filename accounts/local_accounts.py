"""The three logins `make run` prints: admin, curator and editor, for local development.

Each account is created once with a random password, which is kept in
``<var>/<username>-credentials.txt`` (mode 600, readable by the developer only) so that the
next `make run` prints the same login. An account that exists is never given a new password.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from papers.roles import CURATOR_GROUP, EDITOR_GROUP

# (username, group or None, superuser)
LOCAL_ACCOUNTS = (
    ("admin", None, True),
    ("curator", CURATOR_GROUP, False),
    ("editor", EDITOR_GROUP, False),
)


@dataclass(frozen=True)
class LocalLogin:
    username: str
    # None when the account existed before and its password is not on file.
    password: str | None
    credentials_file: Path
    created: bool

    def describe(self) -> str:
        """Return the line `make run` prints for this login."""
        if self.password is None:
            return (
                f"{self.username} login: user {self.username!r} exists; set a password with "
                f"`manage.py changepassword {self.username}`"
            )
        where = "saved in" if self.created else "from"
        login = f"{self.username} / {self.password}"
        return f"{self.username} login: {login}  ({where} {self.credentials_file})"


def ensure_local_accounts(*, credentials_dir: Path) -> list[LocalLogin]:
    """Create the admin, curator and editor accounts that are missing; return all three logins."""
    credentials_dir.mkdir(parents=True, exist_ok=True)
    return [
        _ensure_account(username, group, superuser, credentials_dir)
        for username, group, superuser in LOCAL_ACCOUNTS
    ]


@transaction.atomic
def _ensure_account(
    username: str, group_name: str | None, superuser: bool, credentials_dir: Path
) -> LocalLogin:
    User = get_user_model()
    credentials = credentials_dir / f"{username}-credentials.txt"
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        password = secrets.token_urlsafe(12)
        email = f"{username}@localhost"
        if superuser:
            user = User.objects.create_superuser(username, email, password)
        else:
            user = User.objects.create_user(username, email, password)
        # Written inside the transaction: if the file cannot be written, no account is left
        # behind whose password nobody knows.
        _write_private(credentials, f"{username} {password}\n")
    else:
        password = _read_password(credentials, username)
    if group_name is not None:
        # Also for an existing account: a `flush` or an admin may have emptied the group.
        user.groups.add(Group.objects.get(name=group_name))
    return LocalLogin(username, password, credentials, created)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read, even for the first instant."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)  # a file that existed keeps its old mode through os.open


def _read_password(path: Path, username: str) -> str | None:
    try:
        saved_user, password = path.read_text().split()
    except (OSError, ValueError):
        return None
    return password if saved_user == username else None
