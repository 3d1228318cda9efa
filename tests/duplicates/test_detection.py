"""Which papers look like duplicates: the same DOI, or the same normalised title and year."""

from __future__ import annotations

import pytest

from papers.duplicates import DuplicatePair, find_duplicate_pairs
from tests.factories import PaperFactory
from tests.integrity.bad_rows import with_legacy_doi

pytestmark = pytest.mark.django_db


def test_the_same_doi_in_another_case_or_written_as_a_link_is_a_duplicate():
    first = PaperFactory(doi="10.5555/IRTKB.Dup.1", title="One title")
    # Rows stored before the identifier rules (migration 0010 keeps them).
    second = with_legacy_doi(
        PaperFactory(doi=None, title="Another title"), "https://doi.org/10.5555/irtkb.dup.1"
    )
    third = with_legacy_doi(
        PaperFactory(doi=None, title="A third title", pub_year=2001), "doi: 10.5555/Irtkb.Dup.1"
    )
    PaperFactory(doi="10.5555/irtkb.dup.2", title="Unrelated")

    assert find_duplicate_pairs() == [
        DuplicatePair(first.pk, second.pk, same_doi=True),
        DuplicatePair(first.pk, third.pk, same_doi=True),
    ]


def test_the_same_title_with_different_markup_case_and_punctuation_is_a_duplicate():
    first = PaperFactory(title="<i>CD4</i><sup>+</sup> T-cell recovery after alemtuzumab.")
    second = PaperFactory(title="CD4+ T cell recovery after Alemtuzumab", pmid=None)
    third = PaperFactory(title="CD4<sup>+</sup> T&#x2011;cell   recovery — after ALEMTUZUMAB!")

    assert find_duplicate_pairs() == [
        DuplicatePair(first.pk, second.pk, same_title_and_year=True),
        DuplicatePair(first.pk, third.pk, same_title_and_year=True),
    ]


def test_the_same_title_in_another_year_is_not_a_duplicate():
    PaperFactory(title="B cell repopulation after ocrelizumab.", pub_year=2019)
    PaperFactory(title="B cell repopulation after ocrelizumab.", pub_year=2021)
    PaperFactory(title="B cell repopulation after ocrelizumab.", pub_year=None)
    assert find_duplicate_pairs() == []


def test_untitled_stubs_are_not_duplicates_of_each_other():
    PaperFactory(title="", pmid=None, doi="10.5555/irtkb.stub.1")
    PaperFactory(title="", pmid=None, doi="10.5555/irtkb.stub.2")
    assert find_duplicate_pairs() == []


def test_a_pair_alike_in_both_ways_is_listed_once_with_both_reasons():
    first = PaperFactory(doi="10.5555/IRTKB.both", title="Same words.")
    second = with_legacy_doi(PaperFactory(doi=None, title="same words"), "10.5555/irtkb.BOTH ")
    assert find_duplicate_pairs() == [
        DuplicatePair(first.pk, second.pk, same_doi=True, same_title_and_year=True)
    ]
