"""`make run`: migrate, load the dataset, then run a Celery worker, beat and the web server.

Uses DATABASE_URL / REDIS_URL when set; for each one unset it starts the embedded server under
var/ first and exports its URL, so every process below uses the same servers.
With OFFLINE=1 it also starts the E-utilities replay server on the project's fixtures and
points the app at it, so a PubMed refresh works without internet. Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
VAR_DIR = BASE_DIR / "var"
PYTHON = sys.executable
HOST, PORT = "127.0.0.1", os.environ.get("PORT", "8000")
REPLAY_PORT = os.environ.get("REPLAY_PORT", "8765")
# PubMed records (pubmed/*.xml) and Crossref replies (crossref/*.json), found recursively.
OFFLINE_FIXTURES = BASE_DIR / "papers" / "dataset"


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
    """Wait until ``url`` answers 200 (the replay server's banner page)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the replay server did not answer at {url} within {timeout:.0f}s")


def start(name: str, args: list[str]) -> subprocess.Popen:
    print(f"starting {name}: {' '.join(args)}", flush=True)
    return subprocess.Popen(args, cwd=BASE_DIR, start_new_session=True)


def stop(children: list[subprocess.Popen]) -> None:
    """Stop every child's process group: SIGTERM, then SIGKILL after 10 seconds."""
    # A second SIGTERM (make passes one on) must not cut the clean-up short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM (`kill`, a process manager) stops everything as Ctrl-C does: each child runs in
    # a session of its own, so a signal to this process group alone would orphan them.
    raise KeyboardInterrupt


def main() -> int:
    os.environ.setdefault("DEBUG", "1")
    signal.signal(signal.SIGTERM, _interrupt)
    from irtkb import embedded

    for name, url in embedded.start_missing().items():
        print(f"embedded server: {name}={url}", flush=True)
    children: list[subprocess.Popen] = []
    try:
        if os.environ.get("OFFLINE") == "1":
            os.environ["EUTILS_BASE_URL"] = f"http://127.0.0.1:{REPLAY_PORT}/entrez/eutils/"
            os.environ["CROSSREF_BASE_URL"] = f"http://127.0.0.1:{REPLAY_PORT}/crossref/"
            replay = [PYTHON, "-m", "eutils_replay", "--fixtures", str(OFFLINE_FIXTURES)]
            children.append(start("replay server", [*replay, "--port", REPLAY_PORT]))
            wait_for_http(os.environ["EUTILS_BASE_URL"])
        manage("migrate", "--noinput")
        manage("load_dataset")
        if os.environ.get("OFFLINE") == "1":
            # One refresh against the replay server: the review's DOI-only references get
            # their Crossref metadata (papers/dataset/crossref/) before the site opens.
            manage("refresh_pubmed", "--all")
        logins = ensure_accounts()
        celery = [PYTHON, "-m", "celery", "-A", "irtkb"]
        children.append(start("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=2"]))
        children.append(start("beat", [*celery, "beat", "--loglevel=INFO"]))
        children.append(
            start("web", [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"])
        )
        time.sleep(2)
        shown = "".join(f"  {line}\n" for line in logins)
        print(
            f"\n  irtkb is running at http://{HOST}:{PORT}/\n{shown}  Ctrl-C stops it.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(1)
        failed = [c.args for c in children if c.poll() is not None]
        print(f"a process stopped: {failed}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(children)


if __name__ == "__main__":
    sys.exit(main())
