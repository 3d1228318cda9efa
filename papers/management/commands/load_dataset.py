from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from papers.dataset_loader import DatasetError, load_dataset


class Command(BaseCommand):
    help = "Load the bundled review, references, therapies and evidence notes (idempotent)."

    def handle(self, *args, **options):
        try:
            report = load_dataset()
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("dataset loaded"))
