"""`make run` (scripts/run.py) starts and stops cleanly, whatever stops it.

Each test runs the script as `make run` does, with the embedded PostgreSQL and Redis in a
temporary IRTKB_VAR_DIR, and checks that after the signal no process it started and no port
it used is left. Slow (each start migrates and loads the dataset), so marked ``make_run``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.operations.conftest import free_port

pytestmark = pytest.mark.make_run
BASE_DIR = Path(__file__).resolve().parents[2]
RUN_PY = BASE_DIR / "scripts" / "run.py"


class Run:
    """One `make run` in the background, its output in a log file."""

    def __init__(self, var_dir: Path, port: int, **extra_env: str):
        self.var_dir, self.port = var_dir, port
        self.log_path = var_dir.parent / f"{var_dir.name}-run-{time.monotonic_ns()}.log"
        env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        env.update(IRTKB_VAR_DIR=str(var_dir), PORT=str(port), **extra_env)
        with open(self.log_path, "w") as log:
            # A session of its own, as a terminal's foreground job is: signals go to it alone.
            self.process = subprocess.Popen(
                [sys.executable, str(RUN_PY)],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_until_running(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "irtkb is running at" in self.log():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        self.process.kill()
        raise AssertionError(f"make run did not come up:\n{self.log()[-4000:]}")

    def pids(self) -> list[int]:
        """The process groups run.py started, and the embedded servers' processes."""
        groups = json.loads((self.var_dir / "make-run.pids").read_text())
        postgres = int((self.var_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
        redis = int((self.var_dir / "redis" / "redis.pid").read_text())
        return [*groups, postgres, redis]


# Servers and settings of the test session itself: make run must find its own.
_NOT_INHERITED = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "REFRESH_QUEUE"}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped by its parent.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline and _alive(int(entry.name)):
                found.append(cmdline)
    return found


def _port_free(port: int) -> bool:
    """Nothing listens on ``port`` (connections of the stopped server may sit in TIME_WAIT)."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _wait_gone(pids: list[int], timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.2)
    return [pid for pid in pids if _alive(pid)]


def _assert_nothing_left(run: Run, pids: list[int]) -> None:
    assert _wait_gone(pids) == [], run.log()[-3000:]
    assert _processes_mentioning(str(run.var_dir)) == []
    assert _port_free(run.port)
    assert not (run.var_dir / "make-run.pids").exists()


@pytest.fixture(scope="module")
def var_dir():
    # A short path: PostgreSQL's Unix socket path must stay under ~100 characters.
    directory = Path(f"/tmp/irtkb-run-{os.getpid()}")
    yield directory
    subprocess.run(
        [sys.executable, str(RUN_PY), "--stop"],
        env={**os.environ, "IRTKB_VAR_DIR": str(directory)},
        cwd=BASE_DIR,
        capture_output=True,
        check=False,
    )
    subprocess.run(["rm", "-rf", str(directory)], check=False)
    for log in directory.parent.glob(f"{directory.name}-run-*.log"):
        log.unlink()


@pytest.mark.parametrize(
    ("stop", "signum"),
    [
        ("Ctrl-C", signal.SIGINT),
        ("kill", signal.SIGTERM),
        ("a closed terminal", signal.SIGHUP),
    ],
)
def test_each_signal_stops_everything_it_started(var_dir, stop, signum):
    run = Run(var_dir, free_port())
    run.wait_until_running()
    pids = run.pids()
    assert all(_alive(pid) for pid in pids)

    # Ctrl-C reaches the terminal's whole foreground group; the others, the process.
    if signum == signal.SIGINT:
        os.killpg(run.process.pid, signum)
    else:
        run.process.send_signal(signum)

    assert run.process.wait(timeout=60) == 0, run.log()[-3000:]
    _assert_nothing_left(run, pids)
    assert "make run: stopped" in run.log()


def test_a_port_in_use_is_reported_before_anything_starts(tmp_path):
    var_dir = Path(f"/tmp/irtkb-busy-{os.getpid()}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = Run(var_dir, port)
        assert run.process.wait(timeout=60) == 1

    assert f"port {port} on 127.0.0.1 is in use, so nothing was started" in run.log()
    assert "irtkb is running" not in run.log()
    assert not var_dir.exists()  # no embedded server was started, nothing written
    run.log_path.unlink()


def _power_loss(run: Run) -> None:
    """Everything dies at once, make run first, with no chance to clean up."""
    pids = run.pids()
    os.kill(run.process.pid, signal.SIGKILL)
    run.process.wait(timeout=10)
    for pid in pids[:-2]:
        os.killpg(pid, signal.SIGKILL)
    for pid in pids[-2:]:
        os.kill(pid, signal.SIGKILL)
    assert _wait_gone(pids) == []


def test_it_starts_again_after_a_hard_kill_left_the_handle_file_broken(var_dir):
    run = Run(var_dir, free_port())
    run.wait_until_running()
    _power_loss(run)

    for state, content in [("empty", ""), ("corrupt", "[4194301, 41943")]:
        (var_dir / "pgdata" / ".handle_pids.json").write_text(content)
        again = Run(var_dir, free_port())
        again.wait_until_running()

        log = again.log()
        assert f".handle_pids.json was {state} (a process was killed while writing it)" in log
        assert "JSONDecodeError" not in log
        pids = again.pids()
        again.process.send_signal(signal.SIGTERM)
        assert again.process.wait(timeout=60) == 0
        _assert_nothing_left(again, pids)


def test_make_stop_ends_what_a_killed_run_left_behind(var_dir):
    run = Run(var_dir, free_port())
    run.wait_until_running()
    pids = run.pids()
    os.kill(run.process.pid, signal.SIGKILL)  # its children and servers live on
    run.process.wait(timeout=10)
    assert all(_alive(pid) for pid in pids)

    blocked = Run(var_dir, free_port())
    assert blocked.process.wait(timeout=60) == 1
    assert "processes of an earlier `make run` are still running" in blocked.log()

    stopped = subprocess.run(
        [sys.executable, str(RUN_PY), "--stop"],
        env={**os.environ, "IRTKB_VAR_DIR": str(var_dir)},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stopped.returncode == 0, stopped.stderr
    assert _wait_gone(pids) == []
    assert _processes_mentioning(str(var_dir)) == []


def test_readme_manage_py_commands_work_in_make_runs_environment(var_dir):
    """No SECRET_KEY error, and OFFLINE=1 reaches the command (the replay server, not NCBI)."""
    if not (var_dir / "make-run.env").exists():  # run alone: make run has to have run once
        first = Run(var_dir, free_port())
        first.wait_until_running()
        first.process.send_signal(signal.SIGTERM)
        first.process.wait(timeout=60)
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env.update(IRTKB_VAR_DIR=str(var_dir), OFFLINE="1")
    env.pop("EUTILS_BASE_URL", None)
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "import_pubmed", "--pmid", "31649335"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        with psycopg.connect(host=str(var_dir / "pgdata"), user="postgres", dbname="irtkb") as conn:
            title = conn.execute("SELECT title FROM papers_paper WHERE pmid = 31649335").fetchone()
    finally:
        subprocess.run(
            [sys.executable, str(RUN_PY), "--stop"],
            env={**env},
            cwd=BASE_DIR,
            capture_output=True,
            check=False,
        )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "SECRET_KEY" not in result.stderr
    assert title is not None and title[0].startswith("Immune reconstitution therapies")
    assert "0 failed" in result.stdout, result.stdout  # fetched from the replay server
