"""Run mypy and hold it to a recorded baseline of known errors that may only shrink.

    scripts/mypy_baseline.py check    # fail on an error not in the baseline, or an entry now gone
    scripts/mypy_baseline.py update   # rewrite the baseline from today's errors (after a merge)

The baseline (mypy-baseline.txt) holds one line per error, ``path: [code] message``, without line
numbers, so editing a file does not disturb the entries of errors it still has. Errors are counted,
not just listed: a file with two identical errors that fixes one must shrink the baseline too.
Modules in the strict list of pyproject.toml (the ``[[tool.mypy.overrides]]`` entry that sets
``disallow_untyped_defs``) are never baselined: an error there always fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BASELINE = BASE_DIR / "mypy-baseline.txt"
PYPROJECT = BASE_DIR / "pyproject.toml"
HEADER = (
    "# mypy errors accepted in old code; `make check` fails on any other, and on entries here\n"
    "# that are gone. Shrink it with `make mypy-baseline` after fixing; never add to it by hand.\n"
)
_LINE_NUMBER = re.compile(r"\bline \d+\b")


@dataclass(frozen=True)
class MypyError:
    """One error as mypy reports it, and its baseline entry."""

    path: str
    line: int
    code: str
    message: str

    @property
    def entry(self) -> str:
        """Return the line-number-free form stored in the baseline."""
        return f"{self.path}: [{self.code}] {self.message}"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: error: {self.message}  [{self.code}]"


@dataclass(frozen=True)
class MypyRun:
    """The errors of one mypy run, and any notes about the configuration itself."""

    errors: list[MypyError]
    config_notes: list[str]


def run_mypy(extra_args: list[str]) -> MypyRun:
    """Run mypy over the configured files and return its errors; exit 2 if mypy itself failed."""
    env = dict(os.environ)
    # django-stubs imports the settings, which refuse to load without a key when DEBUG is off;
    # mypy only reads the installed apps and models, so any key will do.
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", "--output", "json", *extra_args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode not in (0, 1):  # 2: a crash, a bad option, a plugin that failed
        sys.stderr.write(completed.stdout + completed.stderr)
        sys.exit(f"mypy failed (exit {completed.returncode}) before checking anything")
    return parse_mypy_output(completed.stdout)


def parse_mypy_output(stdout: str) -> MypyRun:
    """Turn mypy's ``--output json`` lines into errors; keep any other line as a config note."""
    errors: list[MypyError] = []
    notes: list[str] = []
    for raw in stdout.splitlines():
        if not raw.strip():
            continue
        if not raw.startswith("{"):
            # e.g. "pyproject.toml: note: unused section(s): module = [...]" from
            # warn_unused_configs: the strict list names a module that no longer exists.
            notes.append(raw)
            continue
        item = json.loads(raw)
        if item["severity"] != "error":
            continue
        errors.append(
            MypyError(
                path=item["file"],
                line=item["line"],
                code=item["code"] or "misc",
                message=normalise(item["message"]),
            )
        )
    return MypyRun(errors=errors, config_notes=notes)


def normalise(message: str) -> str:
    """Return the message on one line with line numbers it mentions blanked ("on line N")."""
    return _LINE_NUMBER.sub("line N", " ".join(message.split()))


def read_baseline(path: Path = BASELINE) -> Counter[str]:
    """Return the baseline's entries with how often each occurs."""
    if not path.exists():
        return Counter()
    lines = path.read_text(encoding="utf-8").splitlines()
    return Counter(line for line in lines if line.strip() and not line.startswith("#"))


def write_baseline(errors: list[MypyError], path: Path = BASELINE) -> None:
    """Write the errors' entries, sorted so that merges and diffs stay readable."""
    entries = sorted(error.entry for error in errors)
    path.write_text(HEADER + "".join(f"{entry}\n" for entry in entries), encoding="utf-8")


def strict_module_patterns(pyproject: Path = PYPROJECT) -> list[str]:
    """Return the module patterns of the strict override in pyproject.toml."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    overrides = config.get("tool", {}).get("mypy", {}).get("overrides", [])
    patterns: list[str] = []
    for override in overrides:
        if override.get("disallow_untyped_defs"):
            modules = override["module"]
            patterns.extend([modules] if isinstance(modules, str) else modules)
    return patterns


def module_of(path: str) -> str:
    """Return the dotted module name of a file path relative to the project root."""
    dotted = path.removesuffix(".py").replace("/", ".")
    return dotted.removesuffix(".__init__")


def in_strict_module(path: str, patterns: list[str]) -> bool:
    """Tell whether the file belongs to a module that one of mypy's module patterns names."""
    module = module_of(path)
    for pattern in patterns:
        # mypy's patterns: "a.b" is that module, "a.b.*" also its submodules, "a.*.c" any middle.
        if pattern.endswith(".*") and module == pattern[:-2]:
            return True
        regex = re.escape(pattern).replace(r"\*", r"[\w.]+")
        if re.fullmatch(regex, module):
            return True
    return False


@dataclass(frozen=True)
class Comparison:
    """How today's errors differ from the baseline."""

    new: list[MypyError]  # not covered by the baseline, or in a strict module
    gone: Counter[str]  # baseline entries that no longer occur
    known: int  # errors the baseline covers


def compare(errors: list[MypyError], baseline: Counter[str], strict: list[str]) -> Comparison:
    """Match errors against the baseline, counting repeats; strict modules match nothing."""
    remaining = Counter(baseline)
    new: list[MypyError] = []
    known = 0
    for error in sorted(errors, key=lambda e: (e.path, e.line)):
        if not in_strict_module(error.path, strict) and remaining[error.entry] > 0:
            remaining[error.entry] -= 1
            known += 1
        else:
            new.append(error)
    return Comparison(new=new, gone=+remaining, known=known)


def check(run: MypyRun, *, baseline: Path = BASELINE, pyproject: Path = PYPROJECT) -> int:
    """Print what differs from the baseline; return 1 if anything does."""
    comparison = compare(run.errors, read_baseline(baseline), strict_module_patterns(pyproject))
    failed = False
    for note in run.config_notes:
        print(f"mypy configuration: {note}")
        failed = True
    if comparison.new:
        failed = True
        print(f"{len(comparison.new)} mypy error(s) not in {baseline.name}: fix them.")
        for error in comparison.new:
            print(f"  {error}")
    if comparison.gone:
        failed = True
        print(
            f"{comparison.gone.total()} entry(ies) in {baseline.name} no longer occur: "
            "run `make mypy-baseline` to shrink it."
        )
        for entry in sorted(comparison.gone.elements()):
            print(f"  {entry}")
    if not failed:
        print(f"mypy: {comparison.known} known error(s), all in {baseline.name}; none new.")
    return 1 if failed else 0


def update(run: MypyRun, *, baseline: Path = BASELINE, pyproject: Path = PYPROJECT) -> int:
    """Rewrite the baseline from this run, unless a strict module has errors; say what changed."""
    strict = strict_module_patterns(pyproject)
    in_strict = [error for error in run.errors if in_strict_module(error.path, strict)]
    for note in run.config_notes:
        print(f"mypy configuration: {note}")
    if in_strict:
        print(f"{len(in_strict)} error(s) in strict modules, which are never baselined: fix them.")
        for error in in_strict:
            print(f"  {error}")
        print(f"{baseline.name} not rewritten.")
        return 1
    before = read_baseline(baseline)
    write_baseline(run.errors, baseline)
    after = read_baseline(baseline)
    added, removed = after - before, before - after
    print(
        f"{baseline.name}: {before.total()} -> {after.total()} entries "
        f"({removed.total()} gone, {added.total()} added)."
    )
    if added:
        print("Added (new errors; fine after a merge, otherwise fix them instead):")
        for entry in sorted(added.elements()):
            print(f"  {entry}")
    return 1 if run.config_notes else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the check or the update."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["check", "update"])
    parser.add_argument("mypy_args", nargs="*", help="passed to mypy (after --)")
    args = parser.parse_args(argv)
    run = run_mypy(args.mypy_args)
    return check(run) if args.command == "check" else update(run)


if __name__ == "__main__":
    sys.exit(main())
