"""Every run prints its coverage figure; only a whole-suite run is held to the floor.

Each test runs pytest with pytest-cov and tests/coverage_floor.py on a tiny project of its own:
4 of the 6 statements of `shapes.py` run, so its figure is 66.7%.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.coverage_floor import main as coverage_floor

BASE_DIR = Path(__file__).resolve().parents[2]

SHAPES = """\
def square(x):
    return x * x


def cube(x):
    return x * x * x


def halve(x):
    return x / 2
"""
TESTS = """\
from shapes import square


def test_square():
    assert square(3) == 9


def test_square_of_zero():
    assert square(0) == 0
"""
CONFTEST = 'pytest_plugins = ["tests.coverage_floor"]\n'


def _pyproject(floor: int) -> str:
    return f"""\
[tool.pytest.ini_options]
testpaths = ["checks"]

[tool.coverage.run]
source = ["shapes"]

[tool.coverage.report]
fail_under = {floor}
"""


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    (tmp_path / "shapes.py").write_text(SHAPES)
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_shapes.py").write_text(TESTS)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    return tmp_path


PYTEST = [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider"]


def _pytest(project: Path, floor: int, *args: str) -> subprocess.CompletedProcess[str]:
    (project / "pyproject.toml").write_text(_pyproject(floor))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "DJANGO_"))}
    env["PYTHONPATH"] = f"{project}{os.pathsep}{BASE_DIR}"  # shapes, and tests.coverage_floor
    return subprocess.run(
        [*PYTEST, "--cov", "--cov-report=", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )


def test_a_whole_suite_run_below_the_floor_fails_and_says_so(tiny_project):
    result = _pytest(tiny_project, 80)
    assert result.returncode == 1, result.stdout
    assert "Coverage: 66.7% is below the floor of 80%" in result.stdout
    assert "2 passed" in result.stdout


def test_a_whole_suite_run_at_or_above_the_floor_passes_and_prints_its_figure(tiny_project):
    result = _pytest(tiny_project, 66)
    assert result.returncode == 0, result.stdout
    assert "Coverage: 66.7% (floor 66%)." in result.stdout


@pytest.mark.parametrize("picking", [["-k", "zero"], ["checks/test_shapes.py"]])
def test_a_run_that_picks_tests_prints_its_figure_without_judging_it(tiny_project, picking):
    result = _pytest(tiny_project, 80, *picking)
    assert result.returncode == 0, result.stdout
    assert "Coverage: 66.7% for the tests picked (the floor, 80%, is for all)." in result.stdout


def test_the_floor_can_be_turned_off_from_the_command_line(tiny_project):
    result = _pytest(tiny_project, 80, "--cov-fail-under=0")
    assert result.returncode == 0, result.stdout
    assert "Coverage: 66.7% (no floor)." in result.stdout


def test_the_floor_script_sets_the_floor_half_a_point_below_the_figure_rounded_down(
    tiny_project, capsys
):
    _pytest(tiny_project, 80, "--cov-fail-under=0")
    pyproject = tiny_project / "pyproject.toml"
    args = ["--data-file", str(tiny_project / ".coverage"), "--pyproject", str(pyproject)]
    assert coverage_floor([*args, "--write"]) == 0
    assert "Floor LOWERED 80% -> 66%" in capsys.readouterr().out
    assert "fail_under = 66\n" in pyproject.read_text()
    assert "testpaths" in pyproject.read_text()  # the rest of the file is left as it was
