"""A duplicate paper with one row of every relation that points at papers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.utils.timezone import now

from papers.models import (
    CrossrefRecord,
    EvidenceNote,
    IntakeItem,
    Paper,
    PaperLink,
    PaperOverride,
    RelatedPapers,
    Therapy,
    WatchedSearch,
)
from tests import factories
from tests.integrity.bad_rows import with_legacy_doi


@dataclass
class LinkedPair:
    keep: Paper
    duplicate: Paper
    therapy: Therapy
    note: EvidenceNote
    incoming: PaperLink


def build_linked_duplicate() -> LinkedPair:
    """Return a DOI stub to keep and a fetched duplicate that everything points at.

    One row of each relation to Paper points at the duplicate. A relation added to the model
    later must get a row here too (test_merge checks that every relation is covered).
    """
    keep = factories.PaperFactory(
        pmid=None,
        doi="10.5555/irtkb.merge.1",
        title="",
        pub_year=None,
        fetch_state=Paper.FetchState.NOT_FOUND,
        not_in_pubmed=True,
    )
    duplicate = factories.PaperFactory(doi=None, pmcid="PMC0")
    for position in (1, 2):
        factories.AuthorshipFactory(paper=duplicate, position=position)
    factories.PaperMeshFactory(paper=duplicate, position=1)
    therapy = factories.TherapyFactory()
    note = factories.EvidenceNoteFactory(therapy=therapy, papers=[duplicate])
    factories.PivotalTrialFactory(therapy=therapy, paper=duplicate)
    factories.ReconstitutionPointFactory(therapy=therapy, source=duplicate)
    # Cited by a review, and a review with its own reference list.
    factories.ReferenceFactory(review=factories.PaperFactory(), paper=duplicate)
    factories.ReferenceFactory(review=duplicate)
    factories.PaperLinkFactory(source=duplicate)
    factories.PaperChangeFactory(paper=duplicate)
    PaperOverride.objects.create(paper=duplicate, field="pages", value="100-110")
    # Literature intake (papers/intake/, papers/doi_metadata.py, papers/related/).
    search = WatchedSearch.objects.create(
        therapy=therapy, name="merge-test", query="x", start_date=dt.date(2024, 1, 1)
    )
    IntakeItem.objects.create(paper=duplicate, search=search)
    CrossrefRecord.objects.create(paper=duplicate, doi="10.5555/irtkb.merge.1", fetched_at=now())
    RelatedPapers.objects.create(paper=duplicate, requested_at=now())
    incoming = factories.PaperLinkFactory(
        source=factories.PaperFactory(), kind=PaperLink.Kind.COMMENT_IN, target_pmid=duplicate.pmid
    )
    # Last: a row stored before the identifier rules (kept by migration 0010) refuses updates,
    # the search-vector upkeep of the rows above included, until its DOI is corrected.
    duplicate = with_legacy_doi(duplicate, "https://doi.org/10.5555/IRTKB.MERGE.1")
    return LinkedPair(keep, duplicate, therapy, note, incoming)


def make_user(username: str, group: str | None = None, **kwargs):
    user = factories.UserFactory(username=username, **kwargs)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor():
    return make_user("edith", "Editor")
