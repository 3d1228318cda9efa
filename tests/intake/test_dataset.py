"""The bundled watched searches: one per therapy, loaded once, editors' changes kept."""

from __future__ import annotations

import pytest
import yaml

from papers.dataset_loader import load_dataset
from papers.intake.dataset import WatchedSearchDataError, load_watched_searches
from papers.models import Therapy, WatchedSearch

pytestmark = pytest.mark.django_db


def test_every_therapy_gets_a_watched_search_and_a_reload_keeps_edits():
    first = load_dataset()
    assert first.watched_searches == 5
    assert set(WatchedSearch.objects.values_list("therapy__slug", flat=True)) == set(
        Therapy.objects.values_list("slug", flat=True)
    )
    WatchedSearch.objects.filter(name="alemtuzumab-ms").update(query="alemtuzumab[tiab]")

    again = load_dataset()

    assert again.watched_searches == 0
    assert WatchedSearch.objects.get(name="alemtuzumab-ms").query == "alemtuzumab[tiab]"


def test_a_search_for_an_unknown_therapy_is_refused(tmp_path):
    path = tmp_path / "watched_searches.yaml"
    entry = {"name": "x", "therapy": "nope", "query": "x", "start_date": "2020-01-01"}
    path.write_text(yaml.safe_dump({"watched_searches": [entry]}))

    with pytest.raises(WatchedSearchDataError, match="unknown 'nope'"):
        load_watched_searches(path)
