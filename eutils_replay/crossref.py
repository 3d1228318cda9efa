"""Crossref ``/works/{doi}`` from recorded replies, for the Crossref seam offline.

Fixtures are ``*.json`` files anywhere under the fixtures directory holding one reply each in
the REST API's shape: ``{"status": "ok", "message-type": "work", "message": {"DOI": ...}}``.
Other JSON files are skipped. DOIs compare case-insensitively, as Crossref's do. Served under
``/crossref/`` (so CROSSREF_BASE_URL is ``http://host:port/crossref/``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from eutils_replay.endpoints import Reply

logger = logging.getLogger(__name__)
PREFIX = "/crossref/works/"
JSON = "application/json;charset=utf-8"


@dataclass
class CrossrefWorks:
    by_doi: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def from_directory(cls, directory: Path) -> CrossrefWorks:
        works = cls()
        for path in sorted(Path(directory).rglob("*.json")):
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                logger.warning("replay fixtures: skipping %s: %s", path, exc)
                continue
            if isinstance(body, dict) and body.get("message-type") == "work":
                doi = str(body["message"]["DOI"]).lower()
                works.by_doi[doi] = json.dumps(body).encode()
        return works

    def answer(self, path: str) -> Reply:
        """Return the reply for ``/crossref/works/<url-encoded DOI>``, or Crossref's 404."""
        doi = unquote(path[len(PREFIX) :]).strip().lower()
        body = self.by_doi.get(doi)
        if body is None:
            return Reply(b"Resource not found.", status=404, content_type="text/plain", ids=1)
        return Reply(body, content_type=JSON, ids=1)

    def __len__(self) -> int:
        return len(self.by_doi)
