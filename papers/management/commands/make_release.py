"""manage.py make_release: write var/releases/<date>/ (docs/api.md, "Releases")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from papers.releases.build import ReleaseExists, make_release


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date like 2026-01-31.") from None


class Command(BaseCommand):
    help = "Write a dated release of the open data (JSON, TSV, manifest, README, licence)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="Release date, YYYY-MM-DD (default: today, UTC).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Rebuild a release that exists for that date (swapped in when complete).",
        )
        parser.add_argument("--base-url", help="Absolute links point here (default: SITE_URL).")
        parser.add_argument(
            "--output", type=Path, help="Releases directory (default: RELEASES_DIR)."
        )

    def handle(self, *args, **options) -> None:
        day = _date(options["date"]) if options["date"] else timezone.now().date()
        try:
            release = make_release(
                day=day,
                replace=options["replace"],
                base_url=options["base_url"],
                root=options["output"],
            )
        except ReleaseExists as exc:
            raise CommandError(f"{exc} Pass --replace to rebuild it.") from None
        counts = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in release.counts.items()
        )
        self.stdout.write(self.style.SUCCESS(f"Release {day} written to {release.path}: {counts}."))
