"""Typed readers for environment variables that refuse junk with a clear message."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """Return the variable as a stripped string, or ``default`` when unset."""
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    """Return the variable as a boolean; only the usual spellings are accepted."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off."
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return the variable as an integer, optionally within ``minimum``..``maximum``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} must be at most {maximum}.")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    """Return the variable as a number (decimals allowed), optionally at least ``minimum``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if value != value or value in (float("inf"), float("-inf")):  # NaN, inf
        raise ImproperlyConfigured(f"{name}={raw!r} is not a finite number.")
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value:g} must be at least {minimum:g}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated variable as a list of non-empty items."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, *, schemes: tuple[str, ...]) -> str:
    """Return the variable if it is a URL with one of ``schemes``, or '' when unset."""
    raw = env_str(name)
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name}={raw!r} must start with one of: {allowed}.")
    if parts.scheme in ("http", "https") and not parts.netloc:
        raise ImproperlyConfigured(f"{name}={raw!r} has no host.")
    return raw


def database_settings(url: str, *, conn_max_age: int = 0) -> dict[str, Any]:
    """Return Django's DATABASES entry for a PostgreSQL URL.

    Also takes libpq's form for a Unix socket, ``postgresql://user@/name?host=/socket/dir``
    (the embedded server's URL), whose directory dj-database-url leaves in OPTIONS: it moves
    to HOST, where Django and everything that reads settings_dict["HOST"] look for it.
    """
    config = dj_database_url.parse(url, conn_max_age=conn_max_age)
    options = config.get("OPTIONS", {})
    if not config.get("HOST") and "host" in options:
        config["HOST"] = str(options.pop("host"))
        if not options:
            config.pop("OPTIONS")
    return dict(config)


# scheme: (default port, STARTTLS, implicit TLS)
_EMAIL_SCHEMES = {
    "smtp": (25, False, False),
    "smtp+starttls": (587, True, False),
    "smtps": (465, False, True),
}


def env_email_url(name: str) -> dict[str, object]:
    """Return Django's SMTP settings from a URL such as ``smtp+starttls://user:pass@host:587``.

    ``smtp://`` is plain SMTP, ``smtp+starttls://`` upgrades with STARTTLS, ``smtps://`` is
    TLS from the first byte. Returns {} when the variable is unset.
    """
    raw = env_str(name)
    if not raw:
        return {}
    parts = urlsplit(raw)
    if parts.scheme not in _EMAIL_SCHEMES:
        allowed = ", ".join(f"{s}://" for s in _EMAIL_SCHEMES)
        raise ImproperlyConfigured(f"{name} must start with one of: {allowed}.")
    default_port, use_tls, use_ssl = _EMAIL_SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name} has no host.")
    return {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }


def env_pair(name: str) -> tuple[str, str] | None:
    """Return a variable of the form ``first,second`` as a pair, or None when unset or empty."""
    items = env_list(name, [])
    if not items:
        return None
    if len(items) != 2:
        raise ImproperlyConfigured(
            f"{name}={os.environ[name]!r} must be two comma-separated values, "
            "e.g. HTTP_X_FORWARDED_PROTO,https."
        )
    return items[0], items[1]
