"""`manage.py ensure_local_accounts`: the admin, curator and editor logins for `make run`."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.local_accounts import ensure_local_accounts


class Command(BaseCommand):
    help = (
        "Create the local admin, curator and editor accounts with random passwords (once) "
        "and print their logins. For development machines."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--credentials-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "var",
            help="where the <username>-credentials.txt files are kept (default: var/)",
        )

    def handle(self, *args, credentials_dir: Path, **options) -> None:
        for login in ensure_local_accounts(credentials_dir=credentials_dir):
            self.stdout.write(login.describe())
