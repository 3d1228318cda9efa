"""The command line: ``python -m eutils_replay --fixtures DIR --port N [fault switches]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from eutils_replay.faults import FAULT_KINDS, SERVER_ERROR, Faults
from eutils_replay.server import DEFAULT_BASE_PATH, ReplayServer

_RATE_FLAGS = ("429", "500", "slow", "truncated", "disconnect", "error", "omit")


def probability(value: str) -> float:
    """Parse a fault rate; argparse names this function in its error message."""
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(value)
    return rate


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for the command line (also what ``--help`` shows)."""
    parser = argparse.ArgumentParser(
        prog="python -m eutils_replay",
        description=(
            "Serve efetch, esearch and elink from the PubMed XML files under --fixtures, with "
            "optional injected faults, so irtkb can run without NCBI (see docs/ncbi.md)."
        ),
    )
    parser.add_argument("--fixtures", required=True, help="directory of PubMed XML files")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--base-path", default=DEFAULT_BASE_PATH)
    parser.add_argument("--log", dest="log_path", help="append each request as JSON lines")
    faults = parser.add_argument_group("faults (rates are probabilities 0..1)")
    for kind in _RATE_FLAGS:
        faults.add_argument(
            f"--rate-{kind}", type=probability, default=0.0, help=f"rate of {kind} replies"
        )
    faults.add_argument("--slow-seconds", type=float, default=5.0)
    faults.add_argument("--fail-first", type=int, default=0, help="fail the first N requests")
    faults.add_argument("--fail-first-with", choices=FAULT_KINDS, default=SERVER_ERROR)
    faults.add_argument("--seed", type=int, help="seed for reproducible fault draws")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted; return 0, or 2 with a message on stderr for bad arguments."""
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        faults = Faults(
            rate_429=options.rate_429,
            rate_500=options.rate_500,
            rate_slow=options.rate_slow,
            rate_truncated=options.rate_truncated,
            rate_disconnect=options.rate_disconnect,
            rate_error=options.rate_error,
            rate_omit=options.rate_omit,
            slow_seconds=options.slow_seconds,
            fail_first=options.fail_first,
            fail_first_with=options.fail_first_with,
            seed=options.seed,
        )
        server = ReplayServer(
            fixtures_dir=options.fixtures,
            host=options.host,
            port=options.port,
            base_path=options.base_path,
            faults=faults,
            log_path=options.log_path,
        )
    except (ValueError, OSError) as exc:
        # argparse's own style: "prog: error: message" and exit status 2.
        parser.error(str(exc))
    for path, reason in server.index.skipped.items():
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(
        f"eutils_replay: {len(server.index)} PubMed records from {server.fixtures_dir}\n"
        f"  EUTILS_BASE_URL={server.base_url}\n"
        f"  faults: {faults.describe()}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
