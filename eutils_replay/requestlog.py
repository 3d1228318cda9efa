"""Record every request the replay server answers, in memory and as JSON lines."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoggedRequest:
    """One request: when it arrived (epoch seconds), what it asked for, how it was answered.

    ``omitted`` holds the PMIDs an omit fault left out of an efetch reply, in request order.
    """

    time: float
    endpoint: str
    method: str
    ids: int
    status: int
    fault: str | None = None
    term: str | None = None
    api_key: bool = False
    omitted: tuple[int, ...] = ()


class RequestLog:
    """Append-only request log shared by the server's handler threads."""

    def __init__(self, path: Path | str | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []
        self._path = Path(path) if path else None

    def add(self, entry: LoggedRequest) -> None:
        """Record ``entry`` and, when a file was given, append it as one JSON line."""
        with self._lock:
            self._entries.append(entry)
            if self._path is not None:
                with self._path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(asdict(entry)) + "\n")

    def entries(self) -> list[LoggedRequest]:
        """Return a snapshot of the requests so far, in arrival order."""
        with self._lock:
            return sorted(self._entries, key=lambda entry: entry.time)

    def clear(self) -> None:
        """Forget the in-memory entries (the JSON-lines file keeps them)."""
        with self._lock:
            self._entries.clear()
