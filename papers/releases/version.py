"""irtkb's version, read from pyproject.toml (the one place it is written)."""

from __future__ import annotations

import tomllib
from functools import cache

from django.conf import settings


@cache
def irtkb_version() -> str:
    """Return the version in pyproject.toml ("0.1.0")."""
    with open(settings.BASE_DIR / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["version"]
