"""Helpers for search tests: papers are indexed the way the pipeline indexes them."""

from __future__ import annotations

import pytest

from papers.models import Paper
from papers.search.index import update_search_vectors


@pytest.fixture
def reindex():
    """Return a function that recomputes the search vector of every paper."""

    def run() -> None:
        update_search_vectors(paper_ids=Paper.objects.values_list("pk", flat=True))

    return run
