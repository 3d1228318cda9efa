"""Print the coverage figure after every run; below the floor, fail a whole-suite run.

pytest-cov measures (`make test` passes ``--cov``); this plugin judges. The floor is
``[tool.coverage.report] fail_under`` in pyproject.toml (``--cov-fail-under`` overrides it, and
``make test COV_FAIL_UNDER=0`` turns it off). It is a figure for the whole suite, so only a run of
the whole suite is held to it: a run that picks tests (a path, ``-k``, ``-m``, ``--lf``) prints
its figure and passes or fails on its tests alone. A run with failing tests is not judged either:
its figure says nothing about the code.
"""

from __future__ import annotations

import io
from collections.abc import Generator
from typing import Any

import pytest


class CoverageFloor:
    """Hold the whole suite to the floor, in place of pytest-cov's own fail-under check."""

    def __init__(self, cov_plugin: Any) -> None:
        self.cov_plugin = cov_plugin
        # pytest-cov has merged --cov-fail-under and the configured fail_under into this option;
        # taking it here turns its own check (which knows nothing of partial runs) off.
        self.floor: float | None = cov_plugin.options.cov_fail_under
        cov_plugin.options.cov_fail_under = None
        self.picked_tests = False
        self.verdict: tuple[str, bool] | None = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # Paths on the command line (rather than the configured testpaths) pick tests.
        if session.config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
            self.picked_tests = True

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        # -k, -m and --lf deselect the tests they leave out.
        self.picked_tests = True

    # Outermost wrapper (tryfirst), so pytest-cov's wrapper inside it has already stopped
    # coverage and combined the data of the subprocesses (workers, servers) when this resumes.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        result = yield
        controller = self.cov_plugin.cov_controller
        if controller is None or session.config.option.collectonly:
            return result
        from coverage.exceptions import CoverageException

        try:
            total = float(controller.cov.report(file=io.StringIO()))
        except CoverageException as exc:  # no data: nothing under [tool.coverage.run] source ran
            self.verdict = (f"Coverage: no figure ({exc}).", False)
            return result
        self.verdict = self._judge(total, session)
        if self.verdict[1]:
            session.testsfailed += 1  # turns the exit status into "tests failed"
        return result

    def _judge(self, total: float, session: pytest.Session) -> tuple[str, bool]:
        figure = f"Coverage: {total:.1f}%"
        if not self.floor:
            return f"{figure} (no floor).", False
        if session.testsfailed:
            return f"{figure} (floor {self.floor:g}% not judged: tests failed).", False
        if self.picked_tests:
            return f"{figure} for the tests picked (the floor, {self.floor:g}%, is for all).", False
        if total < self.floor:
            return f"{figure} is below the floor of {self.floor:g}%: test what you added.", True
        return f"{figure} (floor {self.floor:g}%).", False

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.verdict is not None:
            message, failed = self.verdict
            terminalreporter.write_line(message, red=failed, bold=failed, green=not failed)


def pytest_configure(config: pytest.Config) -> None:
    """Take over the floor when pytest-cov is measuring this run."""
    cov_plugin = config.pluginmanager.getplugin("_cov")
    if cov_plugin is None or getattr(cov_plugin, "_disabled", False):
        return  # run without --cov (or with --no-cov): nothing to judge
    config.pluginmanager.register(CoverageFloor(cov_plugin), "irtkb_coverage_floor")
