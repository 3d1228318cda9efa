"""`make run`: migrate, load the dataset, then run a Celery worker, beat and the web server.

Uses DATABASE_URL / REDIS_URL when set; for each one unset it starts the embedded server under
var/ first and exports its URL, so every process below uses the same servers.
With OFFLINE=1 it also starts the E-utilities replay server on the project's fixtures and
points the app at it, so a PubMed refresh works without internet.

Stopping: Ctrl-C, SIGTERM and SIGHUP (a closed terminal) stop everything this run started,
the embedded PostgreSQL and Redis included (servers that were already running are left
running). A port in use is reported before anything starts. The process groups it starts are
recorded in var/make-run.pids, so after a hard kill `make stop` (``run.py --stop``) ends them
and the embedded servers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from irtkb import embedded, local_env  # noqa: E402 (needs the path above)

VAR_DIR = embedded.VAR_DIR
PIDS_FILE = VAR_DIR / "make-run.pids"
PYTHON = sys.executable
HOST, PORT = "127.0.0.1", os.environ.get("PORT", "8000")
REPLAY_PORT = os.environ.get("REPLAY_PORT", "8765")
# PubMed records (pubmed/*.xml) and Crossref replies (crossref/*.json), found recursively.
OFFLINE_FIXTURES = BASE_DIR / "papers" / "dataset"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=True)


def ensure_accounts(var_dir: Path = VAR_DIR) -> list[str]:
    """Create the admin, curator and editor accounts once; return the login lines to print.

    Each gets a random password kept in ``var_dir/<username>-credentials.txt`` (mode 600);
    later runs print the saved password and never change it (accounts/local_accounts.py).
    """
    out = subprocess.run(
        [PYTHON, "manage.py", "ensure_local_accounts", "--credentials-dir", str(var_dir)],
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if " login: " in line]


def wait_for_http(url: str, timeout: float = 20.0) -> None:
    """Wait until ``url`` answers (any HTTP status: the server is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered at {url} within {timeout:.0f}s")


def busy_ports(ports: list[str]) -> list[str]:
    """Return the ports of ``ports`` that something on 127.0.0.1 already listens on."""
    busy = []
    for port in ports:
        with socket.socket() as probe:
            # As the servers bind: a port whose last connections linger in TIME_WAIT is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, int(port)))
            except OSError:
                busy.append(port)
    return busy


def leftover_groups() -> list[int]:
    """Process groups a previous run recorded and that still have a live leader."""
    try:
        groups = json.loads(PIDS_FILE.read_text())
    except (OSError, ValueError):
        return []
    alive = []
    for pgid in groups if isinstance(groups, list) else []:
        with contextlib.suppress(ProcessLookupError, PermissionError, TypeError):
            os.killpg(int(pgid), 0)
            alive.append(int(pgid))
    return alive


def start(name: str, args: list[str], children: list[subprocess.Popen]) -> None:
    print(f"starting {name}: {' '.join(args)}", flush=True)
    children.append(subprocess.Popen(args, cwd=BASE_DIR, start_new_session=True))
    PIDS_FILE.write_text(json.dumps([child.pid for child in children]))


def stop_groups(groups: list[int], grace: float = 10.0) -> None:
    """SIGTERM each process group, then SIGKILL what is left after ``grace`` seconds."""
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for pgid in groups:
        while time.monotonic() < deadline and _group_alive(pgid):
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)  # reap our own child, or it lingers as a zombie
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM and SIGHUP stop everything as Ctrl-C does: each child runs in a session of its
    # own, so a signal to this process group alone would orphan them.
    raise KeyboardInterrupt


def stop_everything() -> int:
    """`make stop`: what a run killed hard left behind, then the embedded servers."""
    groups = leftover_groups()
    stop_groups(groups)
    PIDS_FILE.unlink(missing_ok=True)
    embedded.stop()
    print(f"stopped {len(groups)} process group(s) and the embedded servers", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--stop"]:
        return stop_everything()
    os.environ.setdefault("DEBUG", "1")
    offline = os.environ.get("OFFLINE") == "1"
    # Before anything starts: a clear word instead of "running at ..." and a crash.
    busy = busy_ports([PORT, *([REPLAY_PORT] if offline else [])])
    if busy:
        print(
            f"port {', '.join(busy)} on {HOST} is in use, so nothing was started. Another "
            "`make run`? Stop it (Ctrl-C, or `make stop`), or choose another with "
            "PORT=... (REPLAY_PORT=... for the replay server).",
            file=sys.stderr,
        )
        return 1
    if groups := leftover_groups():
        print(
            f"processes of an earlier `make run` are still running (groups {groups}); "
            "`make stop` ends them.",
            file=sys.stderr,
        )
        return 1
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    children: list[subprocess.Popen] = []
    started_servers: list[str] = []
    try:
        already = embedded.running()
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        local_env.write(os.environ)
        for name, url in embedded.start_missing().items():
            server = "postgres" if name == "DATABASE_URL" else "redis"
            if not already[server]:
                started_servers.append(server)
            print(f"embedded server: {name}={url}", flush=True)
        if offline:
            os.environ["EUTILS_BASE_URL"] = f"http://{HOST}:{REPLAY_PORT}/entrez/eutils/"
            os.environ["CROSSREF_BASE_URL"] = f"http://{HOST}:{REPLAY_PORT}/crossref/"
            replay = [PYTHON, "-m", "eutils_replay", "--fixtures", str(OFFLINE_FIXTURES)]
            start("replay server", [*replay, "--port", REPLAY_PORT], children)
            wait_for_http(os.environ["EUTILS_BASE_URL"])
        manage("migrate", "--noinput")
        manage("load_dataset")
        if offline:
            # One refresh against the replay server: the review's DOI-only references get
            # their Crossref metadata (papers/dataset/crossref/) before the site opens.
            manage("refresh_pubmed", "--all")
        logins = ensure_accounts()
        celery = [PYTHON, "-m", "celery", "-A", "irtkb"]
        start("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=2"], children)
        start("beat", [*celery, "beat", "--loglevel=INFO"], children)
        web = [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"]
        start("web", web, children)
        wait_for_http(f"http://{HOST}:{PORT}/robots.txt", timeout=60)
        shown = "".join(f"  {line}\n" for line in logins)
        print(
            f"\n  irtkb is running at http://{HOST}:{PORT}/\n{shown}"
            "  Ctrl-C stops it (and everything it started).\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        failed = [c.args for c in children if c.poll() is not None]
        print(f"a process stopped: {failed}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"make run: {' '.join(map(str, exc.cmd))} failed", file=sys.stderr)
        return 1
    finally:
        # A second signal (make passes one on, a user presses Ctrl-C twice) must not cut the
        # clean-up short and leave servers behind.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        stop_groups([child.pid for child in children])
        PIDS_FILE.unlink(missing_ok=True)
        if "postgres" in started_servers:
            embedded.stop_postgres()
        if "redis" in started_servers:
            embedded.stop_redis()
        print("make run: stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
