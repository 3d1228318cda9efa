"""The history server: id lists kept under (WebEnv, query_key) by esearch with usehistory=y."""

from __future__ import annotations

import secrets
import threading


class History:
    """Keep posted id lists in memory for the life of the server (NCBI keeps them for hours)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: dict[str, list[list[int]]] = {}

    def store(self, ids: list[int], webenv: str | None = None) -> tuple[int, str]:
        """Store ``ids`` and return (query_key, WebEnv); an existing WebEnv gets the next key."""
        with self._lock:
            if not webenv or webenv not in self._sets:
                # NCBI's current WebEnv format: "MCID_" and 24 hex digits.
                webenv = "MCID_" + secrets.token_hex(12)
                self._sets[webenv] = []
            self._sets[webenv].append(list(ids))
            return len(self._sets[webenv]), webenv

    def lookup(self, webenv: str, query_key: int) -> list[int] | None:
        """Return the ids stored under (WebEnv, query_key), or None when there are none."""
        with self._lock:
            sets = self._sets.get(webenv)
            if sets is None or not 1 <= query_key <= len(sets):
                return None
            return list(sets[query_key - 1])
