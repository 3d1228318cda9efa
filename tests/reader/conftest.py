"""Readable records for the reader-facing tests: a flagged paper, a clean one, a therapy."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories


def make_paper(*, authors=(("Jones", "Alice", "A"),), **kwargs):
    """Create a paper with the given (last, fore, initials) authors in order."""
    paper = factories.PaperFactory(**kwargs)
    for position, (last, fore, initials) in enumerate(authors, start=1):
        author = factories.AuthorFactory(
            key=f"name:{last}|{fore}|{initials}|{paper.pk}",
            last_name=last,
            fore_name=fore,
            initials=initials,
        )
        factories.AuthorshipFactory(paper=paper, author=author, position=position)
    return paper


@pytest.fixture
def journal(db):
    return factories.JournalFactory(
        key="issn:0000-0001",
        title="Journal of Test Neuroimmunology",
        iso_abbreviation="J Test Neuroimmunol",
        medline_ta="J Test Neuroimmunol",
        issn_print="0000-0001",
    )


@pytest.fixture
def clean_paper(journal):
    """A test-range paper with nothing flagged."""
    return make_paper(
        pmid=990100001,
        doi="10.5555/irtkb.test.1",
        pmcid="PMC990100001",
        title="Lymphocyte recovery after a pulsed course: a test record.",
        journal=journal,
        volume="39",
        issue="4",
        pages="1819-28",
        pub_year=2012,
        pub_month=11,
        pub_day=24,
        pub_date_sort=dt.date(2012, 11, 24),
        authors=(("Jones", "Alice", "A"), ("Brinar", "", "VV")),
    )


@pytest.fixture
def retracted_paper(journal):
    """A test-range paper that PubMed marks as retracted."""
    return make_paper(
        pmid=990100002,
        doi="10.5555/irtkb.test.2",
        title="A retracted claim about thymic output.",
        journal=journal,
        volume="40",
        issue="1",
        pages="e123",
        pub_year=2015,
        pub_month=3,
        pub_date_sort=dt.date(2015, 3, 1),
        is_retracted=True,
    )
