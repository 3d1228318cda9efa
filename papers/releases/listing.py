"""The releases on disk, as /downloads/ lists them, and the one safe way to open a file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from papers.releases.build import CHECKSUMS, MANIFEST, releases_root

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class ReleaseSummary:
    date: str
    counts: dict[str, int]
    files: list[dict] = field(default_factory=list)
    irtkb_version: str = ""

    @property
    def total_bytes(self) -> int:
        return sum(file["bytes"] for file in self.files)


def list_releases(root: Path | None = None) -> list[ReleaseSummary]:
    """Return the published releases, newest first (directories with a readable manifest)."""
    root = root or releases_root()
    if not root.is_dir():
        return []
    releases = []
    for path in root.iterdir():
        manifest = _manifest(path)
        if manifest is not None:
            releases.append(
                ReleaseSummary(
                    date=path.name,
                    counts=manifest.get("counts", {}),
                    files=manifest.get("files", []),
                    irtkb_version=manifest.get("irtkb_version", ""),
                )
            )
    return sorted(releases, key=lambda release: release.date, reverse=True)


def release_file(date: str, name: str, root: Path | None = None) -> Path | None:
    """Return the path of file ``name`` of release ``date``, or None if there is no such file.

    Only names the release's manifest lists (and the manifest and checksums themselves) are
    ever opened, so no path a client sends (``..``, an absolute path, a symlink) reaches the
    file system.
    """
    root = root or releases_root()
    if not _DATE.match(date):
        return None
    manifest = _manifest(root / date)
    if manifest is None:
        return None
    listed = {file["name"] for file in manifest.get("files", [])} | {MANIFEST, CHECKSUMS}
    if name not in listed:
        return None
    path = root / date / name
    return path if path.is_file() and not path.is_symlink() else None


def _manifest(path: Path) -> dict | None:
    # Hidden directories are releases being built or replaced; they are never listed.
    if not _DATE.match(path.name) or not path.is_dir():
        return None
    try:
        return json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
