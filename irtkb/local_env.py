"""The environment `make run` gives its processes, shared with `manage.py` typed by hand.

``make run`` (scripts/run.py) turns DEBUG on and, with OFFLINE=1, works against the replay
server. It writes those choices to ``var/make-run.env``; ``manage.py`` reads them back, so the
README's commands work as written in the same environment (no SECRET_KEY error, OFFLINE
reaching them). Only where no SECRET_KEY is set: a configured (production) environment is
never changed, and a machine where `make run` never ran has no such file.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

from irtkb import embedded

FILE_NAME = "make-run.env"
# What make run decides for its processes, and so what a hand-typed manage.py inherits.
SHARED = ("DEBUG", "OFFLINE")


def path() -> Path:
    return embedded.VAR_DIR / FILE_NAME


def write(environ: MutableMapping[str, str]) -> Path:
    """Record ``environ``'s values of SHARED for later manage.py runs."""
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{name}={environ[name]}" for name in SHARED if environ.get(name)]
    target.write_text(
        "# Written by `make run` (scripts/run.py); read by manage.py (irtkb/local_env.py).\n"
        + "".join(f"{line}\n" for line in lines)
    )
    return target


def apply(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set what make run recorded, for each variable ``environ`` lacks; return what it set."""
    environ = os.environ if environ is None else environ
    if environ.get("SECRET_KEY") or not path().exists():
        return {}
    applied: dict[str, str] = {}
    for line in path().read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name in SHARED and name not in environ:
            applied[name] = environ[name] = value
    return applied
