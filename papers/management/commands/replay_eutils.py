"""Serve PubMed XML fixtures as a local NCBI E-utilities stand-in (see docs/ncbi.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers.eutils_replay.faults import FAULT_KINDS, SERVER_ERROR, Faults
from papers.eutils_replay.server import DEFAULT_BASE_PATH, ReplayServer


def probability(value: str) -> float:
    """Parse a fault rate; argparse names this function in its error message."""
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(value)
    return rate


class Command(BaseCommand):
    help = (
        "Serve efetch/esearch/epost/elink from the PubMed XML files under --fixtures, with "
        "optional injected faults, so the app can run without NCBI."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fixtures", required=True, help="directory of PubMed XML files")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--base-path", default=DEFAULT_BASE_PATH)
        parser.add_argument("--log", dest="log_path", help="append each request as JSON lines")
        faults = parser.add_argument_group("faults (rates are probabilities 0..1)")
        for kind, flag in (
            ("429", "--rate-429"),
            ("500", "--rate-500"),
            ("slow", "--rate-slow"),
            ("truncated", "--rate-truncated"),
            ("disconnect", "--rate-disconnect"),
            ("error", "--rate-error"),
        ):
            faults.add_argument(flag, type=probability, default=0.0, help=f"rate of {kind} replies")
        faults.add_argument("--slow-seconds", type=float, default=5.0)
        faults.add_argument("--fail-first", type=int, default=0, help="fail the first N requests")
        faults.add_argument("--fail-first-with", choices=FAULT_KINDS, default=SERVER_ERROR)
        faults.add_argument("--seed", type=int, help="seed for reproducible fault draws")

    def handle(self, *args: object, **options: object) -> None:
        try:
            faults = Faults(
                rate_429=options["rate_429"],
                rate_500=options["rate_500"],
                rate_slow=options["rate_slow"],
                rate_truncated=options["rate_truncated"],
                rate_disconnect=options["rate_disconnect"],
                rate_error=options["rate_error"],
                slow_seconds=options["slow_seconds"],
                fail_first=options["fail_first"],
                fail_first_with=options["fail_first_with"],
                seed=options["seed"],
            )
            server = ReplayServer(
                fixtures_dir=options["fixtures"],
                host=options["host"],
                port=options["port"],
                base_path=options["base_path"],
                faults=faults,
                log_path=options["log_path"],
            )
        except (ValueError, FileNotFoundError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        for path, reason in server.index.skipped.items():
            self.stderr.write(f"skipped {path}: {reason}")
        self.stdout.write(
            f"replay_eutils: {len(server.index)} PubMed records from {server.fixtures_dir}\n"
            f"  EUTILS_BASE_URL={server.base_url}\n"
            f"  faults: {faults.describe()}"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
