"""The bundled dataset loads through the pipeline, completely and idempotently."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from papers.dataset_loader import REVIEW_PMID, load_dataset
from papers.models import EvidenceNote, Paper, PivotalTrial, Reference, Therapy

pytestmark = pytest.mark.django_db

# Identifiers the project owner verified (issue 2); the bundled records must carry them.
VERIFIED = {
    23122652: "10.1016/S0140-6736(12)61769-3",  # CARE-MS I
    23122650: "10.1016/S0140-6736(12)61768-1",  # CARE-MS II
    28002679: "10.1056/NEJMoa1601277",  # OPERA I/II
    28002688: "10.1056/NEJMoa1606468",  # ORATORIO
    18272891: "10.1056/NEJMoa0706383",  # HERMES
    19847908: "10.1002/ana.21867",  # OLYMPUS
    30644983: "10.1001/jama.2018.18743",  # MIST
    REVIEW_PMID: "10.1038/s41582-019-0268-z",
}


@pytest.fixture
def loaded():
    return load_dataset()


def test_it_loads_the_review_as_pubmed_shows_it(loaded):
    review = Paper.objects.with_detail().get(pmid=REVIEW_PMID)
    assert review.title_text == (
        "Immune reconstitution therapies: concepts for durable remission in multiple sclerosis."
    )
    assert [a.author.last_name for a in review.authorships.all()] == [
        "Lünemann",
        "Ruck",
        "Muraro",
        "Bar-Or",
        "Wiendl",
    ]
    assert review.journal.iso_abbreviation == "Nat Rev Neurol"
    assert (review.volume, review.issue, review.pages) == ("16", "1", "56-62")
    assert review.pub_date_display == "2020 Jan"
    assert review.epub_date_display == "2019 Oct 24"
    assert "Review" in review.publication_types
    assert review.has_erratum
    assert review.abstract[0]["text"].startswith("New so-called immune reconstitution therapies")


def test_it_loads_the_reference_list_with_citation_text(loaded):
    refs = list(Reference.objects.filter(review__pmid=REVIEW_PMID).order_by("position"))
    assert len(refs) >= 5
    assert refs[0].citation.startswith("Lucchinetti, C. et al. Heterogeneity of multiple sclerosis")
    assert refs[4].citation.startswith("Qin, Y. et al. Clonal expansion and somatic hypermutation")


def test_it_loads_five_therapies_with_their_pivotal_trials(loaded):
    slugs = list(Therapy.objects.values_list("slug", flat=True))
    assert slugs == ["ahsct", "cladribine", "alemtuzumab", "rituximab", "ocrelizumab"]
    trials = {
        t.paper.pmid: t.therapy.slug
        for t in PivotalTrial.objects.select_related("paper", "therapy")
    }
    assert trials[23122652] == trials[23122650] == "alemtuzumab"
    assert trials[20089960] == "cladribine"
    assert trials[28002679] == trials[28002688] == "ocrelizumab"
    assert trials[18272891] == trials[19847908] == "rituximab"
    assert trials[30644983] == "ahsct"


def test_bundled_papers_carry_the_verified_identifiers(loaded):
    dois = dict(Paper.objects.filter(pmid__in=VERIFIED).values_list("pmid", "doi"))
    assert dois == VERIFIED
    assert Paper.objects.get(pmid=30644983).pmcid == "PMC6439765"


def test_every_therapy_has_published_notes_and_every_note_cites_a_paper(loaded):
    for therapy in Therapy.objects.all():
        notes = EvidenceNote.objects.filter(therapy=therapy).published()
        assert notes.count() >= 2, therapy.slug
        for note in notes:
            assert note.papers.exists(), note.dataset_key


def test_loading_twice_changes_nothing(loaded):
    before = {
        "notes": sorted(EvidenceNote.objects.values_list("pk", "updated_at")),
        "papers": sorted(Paper.objects.values_list("pk", "changed_at")),
        "history": EvidenceNote.history.count(),
    }
    report = load_dataset()
    assert (report.papers_new, report.papers_changed, report.notes_written) == (0, 0, 0)
    assert report.therapies_written == 0
    assert before == {
        "notes": sorted(EvidenceNote.objects.values_list("pk", "updated_at")),
        "papers": sorted(Paper.objects.values_list("pk", "changed_at")),
        "history": EvidenceNote.history.count(),
    }


def test_a_note_edited_by_a_curator_is_not_overwritten(loaded):
    note = EvidenceNote.objects.filter(dataset_key__isnull=False).first()
    note.statement = "Edited by a curator."
    note.version = 2
    note.save()
    report = load_dataset()
    note.refresh_from_db()
    assert note.statement == "Edited by a curator."
    assert note.dataset_key in report.notes_kept


def test_the_command_prints_a_summary(capsys):
    call_command("load_dataset")
    out = capsys.readouterr().out
    assert "dataset loaded" in out and "review references:" in out


def test_note_text_is_searchable_with_the_papers_it_cites(loaded):
    from django.contrib.postgres.search import SearchQuery

    from papers.search.index import SEARCH_CONFIG

    note = EvidenceNote.objects.published().filter(note_type="efficacy").first()
    cited_text = " ".join(
        f"{p.title_text} {p.abstract} {p.journal}" for p in note.papers.all()
    ).lower()
    # A word only the note has, so a hit can come from the note's text alone.
    words = [w.strip(".,;()").lower() for w in note.statement.split()]
    word = next(w for w in words if len(w) > 5 and w.isalpha() and w not in cited_text)
    hits = Paper.objects.filter(search_vector=SearchQuery(word, config=SEARCH_CONFIG))
    assert set(note.papers.values_list("pk", flat=True)) <= set(hits.values_list("pk", flat=True))
