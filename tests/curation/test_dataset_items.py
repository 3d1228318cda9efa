"""The 34 bundled notes load as structured, published evidence items, idempotently."""

from __future__ import annotations

from decimal import Decimal

import pytest

from papers.dataset_loader import load_dataset
from papers.models import Citation, EvidenceNote
from papers.models.evidence import citation_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    return load_dataset()


def test_every_bundled_item_is_published_once_with_its_study_design(loaded):
    notes = list(EvidenceNote.objects.all())
    assert len(notes) == 34
    assert {(n.status, n.published_version) for n in notes} == {("published", 1)}
    assert all(n.study_design for n in notes)  # each cited paper's type says what it is
    mist = EvidenceNote.objects.get(dataset_key="ahsct-mist-progression")
    assert (mist.study_design, mist.population_phenotype, mist.population_size) == (
        "rct",
        "rrms",
        110,
    )
    assert (mist.outcome_value, mist.outcome_ci_low, mist.outcome_ci_high) == (
        Decimal("0.07"),
        Decimal("0.02"),
        Decimal("0.24"),
    )


def test_bundled_quotes_are_copied_from_the_bundled_abstracts(loaded):
    quoted = Citation.objects.exclude(quote="").select_related("evidencenote", "paper")
    assert {(c.evidencenote.dataset_key, c.paper.pmid, c.quote_section) for c in quoted} == {
        ("ahsct-irt-concept", 31649335, "ABSTRACT"),
        ("ocrelizumab-anti-cd20-irt-status", 31649335, "ABSTRACT"),
        ("alemtuzumab-lymphocyte-reconstitution", 23243077, "RESULTS"),
        ("cladribine-lymphocyte-nadirs", 31244898, "RESULTS"),
        ("cladribine-clarity-safety-report", 21228029, "RESULTS"),
        ("alemtuzumab-camms223-efficacy", 18946064, "CONCLUSIONS"),
        ("alemtuzumab-camms223-itp", 18946064, "METHODS"),
        ("rituximab-rifund-ms-relapses", 35841908, "INTERPRETATION"),
        ("ocrelizumab-seven-year-safety", 34475123, "RESULTS"),
        ("alemtuzumab-care-ms-i-five-year-durability", 28835401, "CONCLUSIONS"),
        ("alemtuzumab-care-ms-i-thyroid", 28835401, "RESULTS"),
        ("ahsct-lymphocyte-recovery", 15507394, "ABSTRACT"),
        ("ahsct-infections-during-recovery", 15507394, "ABSTRACT"),
        ("rituximab-csf-lymphocytes", 16904756, "ABSTRACT"),
        ("rituximab-long-term-safety", 29309416, "RESULTS"),
        ("rituximab-after-discontinuation", 33475825, "CONCLUSIONS"),
        ("ocrelizumab-cd20-t-cell-depletion", 30597851, "ABSTRACT"),
        ("ocrelizumab-opera-nine-year-extension", 39883906, "BACKGROUND AND OBJECTIVES"),
        ("cladribine-durable-control-expert-opinion", 38488979, "ABSTRACT"),
    }


def test_each_item_records_its_citations_on_its_versions(loaded):
    for note in EvidenceNote.objects.all():
        citations = note.citations.select_related("paper")
        expected = citation_record([(c.paper, c.quote, c.quote_section) for c in citations])
        assert note.citation_record == expected
        assert note.history.first().citation_record == expected


def test_loading_again_writes_no_new_version(loaded):
    versions = EvidenceNote.history.count()
    again = load_dataset()
    assert again.notes_written == 0
    assert EvidenceNote.history.count() == versions
