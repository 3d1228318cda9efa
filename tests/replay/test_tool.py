"""The replay server is a tool of its own: no Django, and ``python -m eutils_replay`` runs it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from lxml import etree

from eutils_replay.cli import main

BASE_DIR = Path(__file__).resolve().parents[2]
FIXTURES_DIR = BASE_DIR / "tests" / "fixtures" / "eutils"
REVIEW_PMID = 31649335


def _without_django_env() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")
    }


def test_the_package_imports_nothing_of_django_or_the_app():
    code = (
        "import importlib, json, pkgutil, sys\n"
        "import eutils_replay\n"
        "for module in pkgutil.iter_modules(eutils_replay.__path__):\n"
        "    if module.name != '__main__':\n"
        "        importlib.import_module(f'eutils_replay.{module.name}')\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=_without_django_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert "eutils_replay" in loaded
    assert not loaded & {"django", "papers", "irtkb", "celery", "rest_framework"}


def test_it_refuses_a_missing_fixtures_directory(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--fixtures", str(tmp_path / "nowhere"), "--port", "0"])

    assert exit_info.value.code == 2
    assert "fixtures directory not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        (["--rate-500", "2.0"], "invalid probability value: '2.0'"),
        (["--rate-429", "0.6", "--rate-500", "0.6"], "add up to more than 1"),
    ],
)
def test_it_refuses_impossible_fault_rates(rates, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--fixtures", str(FIXTURES_DIR), "--port", "0", *rates])

    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_it_says_when_its_port_is_taken(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit):
            main(["--fixtures", str(FIXTURES_DIR), "--port", str(port)])

    assert "in use" in capsys.readouterr().err


def test_python_m_eutils_replay_serves_fixtures_over_http_without_django(tmp_path):
    port = _free_port()
    log_path = tmp_path / "log.jsonl"
    command = [
        sys.executable,
        "-m",
        "eutils_replay",
        "--fixtures",
        str(FIXTURES_DIR),
        "--port",
        str(port),
        "--log",
        str(log_path),
        "--fail-first",
        "1",
        "--fail-first-with",
        "500",
    ]
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=_without_django_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/entrez/eutils/"
        _wait_until_up(base, process)
        first = _status(base + "efetch.fcgi?db=pubmed&id=31649335")
        with urllib.request.urlopen(base + "efetch.fcgi?db=pubmed&id=31649335", timeout=5) as r:
            body = r.read()
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert first == 500
    assert etree.fromstring(body).xpath("PubmedArticle/MedlineCitation/PMID/text()") == [
        str(REVIEW_PMID)
    ]
    assert [json.loads(line)["status"] for line in log_path.read_text().splitlines()] == [500, 200]
    assert f"EUTILS_BASE_URL={base}" in process.stdout.read().decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_until_up(base: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"eutils_replay exited: {process.stderr.read().decode()}")
        try:
            # The banner page is not an E-utility, so it is not logged and draws no fault.
            with urllib.request.urlopen(base, timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("eutils_replay did not start")
