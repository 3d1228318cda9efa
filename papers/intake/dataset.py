"""The bundled watched searches (papers/dataset/watched_searches.yaml), loaded once each."""

from __future__ import annotations

from pathlib import Path

import yaml

from papers.models import Therapy, WatchedSearch


class WatchedSearchDataError(Exception):
    """The bundled file names a therapy that is not in the dataset, or lacks a field."""


def load_watched_searches(path: Path) -> int:
    """Create each bundled search whose name does not exist yet; return how many were created.

    An existing search is left alone, so an editor's change to its query survives a reload.
    """
    if not path.exists():
        return 0
    entries = yaml.safe_load(path.read_text(encoding="utf-8")).get("watched_searches", [])
    therapies = {t.slug: t for t in Therapy.objects.all()}
    created = 0
    for entry in entries:
        try:
            therapy = therapies[entry["therapy"]]
            fields = {"query": entry["query"], "start_date": entry["start_date"]}
        except KeyError as exc:
            problem = f"{path.name}: {entry!r}: missing or unknown {exc}"
            raise WatchedSearchDataError(problem) from exc
        _, was_created = WatchedSearch.objects.get_or_create(
            name=entry["name"], defaults={"therapy": therapy, **fields}
        )
        created += was_created
    return created
