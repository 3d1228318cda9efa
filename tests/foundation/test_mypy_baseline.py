"""The mypy baseline lets known errors through, fails on new ones and on entries now gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.mypy_baseline import check, parse_mypy_output, read_baseline, update

PYPROJECT = """
[[tool.mypy.overrides]]
module = ["untyped_lib"]
ignore_missing_imports = true

[[tool.mypy.overrides]]
module = ["papers.seam.*", "scripts.tool"]
disallow_untyped_defs = true
"""


def _mypy_json(*errors: tuple[str, int, str, str]) -> str:
    return "".join(
        json.dumps(
            {
                "file": path,
                "line": line,
                "column": 4,
                "message": message,
                "hint": None,
                "code": code,
                "severity": "error",
            }
        )
        + "\n"
        for path, line, code, message in errors
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    return tmp_path


def _check(project: Path, stdout: str) -> int:
    run = parse_mypy_output(stdout)
    return check(run, baseline=project / "mypy-baseline.txt", pyproject=project / "pyproject.toml")


def _update(project: Path, stdout: str) -> int:
    run = parse_mypy_output(stdout)
    return update(run, baseline=project / "mypy-baseline.txt", pyproject=project / "pyproject.toml")


OLD_ERROR = ("papers/views/pages.py", 276, "attr-defined", '"Reference" has no attribute "usage"')
NEW_ERROR = ("papers/refresh.py", 12, "arg-type", 'Argument 1 to "f" has incompatible type "str"')


def test_errors_recorded_in_the_baseline_pass_even_when_their_line_moves(project, capsys):
    assert _update(project, _mypy_json(OLD_ERROR)) == 0
    moved = (OLD_ERROR[0], 301, OLD_ERROR[2], OLD_ERROR[3])
    assert _check(project, _mypy_json(moved)) == 0
    assert "1 known error(s), all in mypy-baseline.txt; none new" in capsys.readouterr().out


def test_a_new_error_fails_and_is_shown_with_its_line(project, capsys):
    _update(project, _mypy_json(OLD_ERROR))
    capsys.readouterr()
    assert _check(project, _mypy_json(OLD_ERROR, NEW_ERROR)) == 1
    out = capsys.readouterr().out
    assert "1 mypy error(s) not in mypy-baseline.txt" in out
    assert 'papers/refresh.py:12: error: Argument 1 to "f" has incompatible type "str"' in out


def test_a_baseline_entry_that_no_longer_occurs_fails_until_the_baseline_shrinks(project, capsys):
    _update(project, _mypy_json(OLD_ERROR, NEW_ERROR))
    capsys.readouterr()
    assert _check(project, _mypy_json(OLD_ERROR)) == 1
    assert "no longer occur: run `make mypy-baseline` to shrink it" in capsys.readouterr().out
    assert _update(project, _mypy_json(OLD_ERROR)) == 0
    assert "2 -> 1 entries (1 gone, 0 added)" in capsys.readouterr().out
    assert _check(project, _mypy_json(OLD_ERROR)) == 0


def test_repeated_errors_are_counted_so_fixing_one_of_two_shrinks_the_baseline(project):
    twice = _mypy_json(OLD_ERROR, (OLD_ERROR[0], 280, OLD_ERROR[2], OLD_ERROR[3]))
    _update(project, twice)
    assert sum(read_baseline(project / "mypy-baseline.txt").values()) == 2
    assert _check(project, _mypy_json(OLD_ERROR)) == 1
    three_times = twice + _mypy_json((OLD_ERROR[0], 290, OLD_ERROR[2], OLD_ERROR[3]))
    assert _check(project, three_times) == 1


def test_line_numbers_inside_messages_do_not_tie_entries_to_a_line(project):
    redefined = ("papers/ingest.py", 40, "no-redef", 'Name "x" already defined on line 12')
    _update(project, _mypy_json(redefined))
    assert list(read_baseline(project / "mypy-baseline.txt")) == [
        'papers/ingest.py: [no-redef] Name "x" already defined on line N'
    ]
    moved = ("papers/ingest.py", 44, "no-redef", 'Name "x" already defined on line 16')
    assert _check(project, _mypy_json(moved)) == 0


@pytest.mark.parametrize(
    "path", ["papers/seam/client.py", "papers/seam/__init__.py", "scripts/tool.py"]
)
def test_errors_in_strict_modules_are_never_baselined(project, capsys, path):
    strict_error = (path, 3, "no-untyped-def", "Function is missing a type annotation")
    assert _update(project, _mypy_json(OLD_ERROR, strict_error)) == 1
    assert "error(s) in strict modules, which are never baselined" in capsys.readouterr().out
    assert not (project / "mypy-baseline.txt").exists()
    (project / "mypy-baseline.txt").write_text(f"{path}: [no-untyped-def] {strict_error[3]}\n")
    assert _check(project, _mypy_json(strict_error)) == 1


def test_a_strict_module_pattern_that_matches_nothing_is_reported(project, capsys):
    stdout = "pyproject.toml: note: unused section(s): module = ['scripts.tool']\n"
    assert _check(project, stdout) == 1
    assert "mypy configuration: pyproject.toml: note: unused section(s)" in capsys.readouterr().out
