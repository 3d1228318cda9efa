"""Set the coverage floor to the figure of the last run, less a margin, rounded down.

    scripts/coverage_floor.py          # print the last run's figure and the configured floor
    scripts/coverage_floor.py --write  # and write the figure, rounded down, as the new floor

Run it after a whole-suite `make test` (`make coverage-floor` does both): it reads the data file
that run left (.coverage) and rewrites ``fail_under`` under ``[tool.coverage.report]`` in
pyproject.toml, saying loudly when the floor goes down.

The figure moves by a few tenths of a percent from run to run with no change to the code (some
paths run only when a request is slow or a worker is busy: retries, waits, timeouts), so the
floor sits NOISE_MARGIN below it before rounding down: 95.1% gives 94, 95.6% gives 95.
"""

from __future__ import annotations

import argparse
import io
import math
import re
import sys
import tomllib
from pathlib import Path

import coverage

BASE_DIR = Path(__file__).resolve().parent.parent
PYPROJECT = BASE_DIR / "pyproject.toml"
NOISE_MARGIN = 0.5
_FAIL_UNDER = re.compile(r"^(fail_under\s*=\s*)([0-9.]+)", re.MULTILINE)


def measured_total(data_file: Path, pyproject: Path) -> float:
    """Return the total percentage covered in the data file of the last run."""
    cov = coverage.Coverage(data_file=str(data_file), config_file=str(pyproject))
    cov.load()
    return float(cov.report(file=io.StringIO()))


def configured_floor(text: str) -> float:
    """Return ``[tool.coverage.report] fail_under`` from pyproject.toml's text."""
    report = tomllib.loads(text).get("tool", {}).get("coverage", {}).get("report", {})
    return float(report.get("fail_under", 0))


def with_floor(text: str, floor: int) -> str:
    """Return pyproject.toml's text with the floor under [tool.coverage.report] replaced."""
    start = text.index("[tool.coverage.report]")
    end = text.find("\n[", start + 1)
    end = len(text) if end == -1 else end
    section, count = _FAIL_UNDER.subn(rf"\g<1>{floor}", text[start:end], count=1)
    if count != 1:
        raise SystemExit("pyproject.toml: no fail_under line under [tool.coverage.report]")
    return text[:start] + section + text[end:]


def main(argv: list[str] | None = None) -> int:
    """Print the figure and the floor; with --write, make the figure the floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the new floor")
    parser.add_argument("--data-file", type=Path, default=BASE_DIR / ".coverage")
    parser.add_argument("--pyproject", type=Path, default=PYPROJECT)
    args = parser.parse_args(argv)
    try:
        total = measured_total(args.data_file, args.pyproject)
    except coverage.exceptions.CoverageException as exc:
        print(f"No coverage data to read ({exc}): run the whole suite first (`make test`).")
        return 1
    text = args.pyproject.read_text(encoding="utf-8")
    old, new = configured_floor(text), math.floor(total - NOISE_MARGIN)
    print(f"Coverage of the last run: {total:.1f}%; floor in pyproject.toml: {old:g}%.")
    if not args.write or new == old:
        return 0
    args.pyproject.write_text(with_floor(text, new), encoding="utf-8")
    if new < old:
        print(f"Floor LOWERED {old:g}% -> {new}%: check what lost its tests before committing.")
    else:
        print(f"Floor raised {old:g}% -> {new}%.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
