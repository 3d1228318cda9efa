"""The upsert: idempotent, logged, never blanking, retraction-aware, set-based."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from papers.ingest import mark_deleted, mark_not_found, sync_reference_list, upsert_papers
from papers.models import Authorship, EvidenceNote, Paper, PaperChange, PaperLink, Reference
from papers.pubmed import parse_pubmed_xml
from tests.factories import EvidenceNoteFactory, PaperFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pubmed"


@pytest.fixture
def records():
    parsed = parse_pubmed_xml((FIXTURES / "rich_set.xml").read_bytes())
    return {r.pmid: r for r in parsed.records}


def test_it_creates_papers_with_authors_mesh_links_and_journal(records):
    summary = upsert_papers(records=list(records.values()))
    assert len(summary.new) == 4 and summary.changed == [] and summary.unchanged == []
    paper = Paper.objects.with_detail().get(pmid=990000001)
    assert paper.doi == "10.5555/ArticleIdList.0001"
    assert paper.journal.iso_abbreviation == "J Synth Neuroimmunol"
    assert paper.pub_date_display == "2020 Jan"
    assert paper.epub_date_display == "2019 Oct 24"
    assert [a.author.display_name for a in paper.authorships.all()] == [
        "Jan D Lünetest",
        "Tobias Rucktest",
        "Synthetic MS Study Group",
    ]
    assert paper.authorships.all()[0].affiliations[0].startswith("Department of Neurology")
    assert [m.descriptor.name for m in paper.mesh_headings.all()] == [
        "Multiple Sclerosis",
        "Humans",
    ]
    assert paper.mesh_headings.all()[0].qualifiers == [
        {"ui": "Q000188", "name": "drug therapy", "major_topic": True},
        {"ui": "Q000276", "name": "immunology", "major_topic": False},
    ]
    assert paper.mesh_headings.all()[1].qualifiers == []
    assert paper.authorships.all()[0].equal_contribution is True
    assert paper.authorships.all()[1].affiliations == []
    assert paper.has_erratum and not paper.is_retracted
    assert Paper.objects.get(pmid=990000002).is_retracted
    assert Paper.objects.get(pmid=990000002).pub_date_display == "1998 Dec-1999 Jan"
    assert paper.fetch_state == Paper.FetchState.FETCHED
    assert paper.search_vector is not None


def test_the_same_records_twice_change_nothing(records):
    upsert_papers(records=list(records.values()))
    before = {p.pmid: (p.changed_at, p.source_hash) for p in Paper.objects.all()}
    authorship_ids = sorted(Authorship.objects.values_list("pk", flat=True))

    summary = upsert_papers(records=list(records.values()))

    assert summary.new == [] and summary.changed == [] and len(summary.unchanged) == 4
    assert {p.pmid: (p.changed_at, p.source_hash) for p in Paper.objects.all()} == before
    assert sorted(Authorship.objects.values_list("pk", flat=True)) == authorship_ids
    assert PaperChange.objects.count() == 0


def test_a_changed_field_is_updated_and_logged(records):
    upsert_papers(records=list(records.values()))
    changed = replace(records[990000001], volume="17", title="A corrected title.")

    summary = upsert_papers(records=[changed])

    paper = Paper.objects.get(pmid=990000001)
    assert summary.changed == [paper.pk]
    assert paper.volume == "17" and paper.title == "A corrected title."
    logged = {c.field: (c.old_value, c.new_value) for c in PaperChange.objects.filter(paper=paper)}
    assert logged == {
        "volume": ("16", "17"),
        "title": (
            "Renewal of <i>CD8</i><sup>+</sup> T cell repertoires after depletion.",
            "A corrected title.",
        ),
    }


def test_a_partial_reply_never_blanks_what_we_know(records):
    upsert_papers(records=list(records.values()))
    partial = replace(records[990000001], abstract=(), authors=(), mesh=(), doi="", volume="")

    upsert_papers(records=[partial])

    paper = Paper.objects.get(pmid=990000001)
    assert paper.abstract and paper.doi and paper.volume == "16"
    assert paper.authorships.count() == 3 and paper.mesh_headings.count() == 2


def test_a_changed_author_list_is_replaced_and_logged(records):
    upsert_papers(records=list(records.values()))
    fewer = replace(records[990000001], authors=records[990000001].authors[:1])

    upsert_papers(records=[fewer])

    paper = Paper.objects.get(pmid=990000001)
    assert paper.authorships.count() == 1
    assert PaperChange.objects.filter(paper=paper, field="authors").count() == 1


def test_a_retraction_seen_for_the_first_time_flags_citing_notes(records):
    upsert_papers(records=[replace(records[990000004], publication_types=("Journal Article",))])
    paper = Paper.objects.get(pmid=990000004)
    note = EvidenceNoteFactory(papers=[paper])
    assert not note.needs_review

    retracted = replace(records[990000004], publication_types=("Retracted Publication",))
    summary = upsert_papers(records=[retracted])

    note.refresh_from_db()
    assert summary.newly_flagged == [paper.pk]
    assert Paper.objects.get(pk=paper.pk).is_retracted
    assert note.needs_review
    assert "PMID 990000004: a cited paper has been retracted" in note.review_reason
    assert note.history.first().history_change_reason == "flagged by PubMed refresh"
    # Seeing the same retraction again does not flag or log it twice.
    upsert_papers(records=[replace(retracted, volume="8")])
    assert PaperChange.objects.filter(paper=paper, field="is_retracted").count() == 1


def test_a_retraction_notice_flags_the_paper_it_retracts(records):
    target = PaperFactory(pmid=990000020, is_retracted=False)
    note = EvidenceNoteFactory(papers=[target])
    notice = replace(
        records[990000004],
        pmid=990000021,
        doi="",
        publication_types=("Retraction of Publication",),
        links=(),
    )
    from papers.pubmed.records import LinkRecord

    notice = replace(notice, links=(LinkRecord("RetractionOf", 990000020, "Test. 2020;1:1."),))

    upsert_papers(records=[notice])

    target.refresh_from_db()
    note.refresh_from_db()
    assert target.is_retracted and note.needs_review
    assert PaperLink.objects.filter(source__pmid=990000021, kind="RetractionOf").exists()


def test_a_doi_only_placeholder_is_adopted_by_the_record_with_that_doi(records):
    placeholder = Paper.objects.create(doi="10.5555/REF.0002", fetch_state="pending")

    upsert_papers(records=[records[990000002]])

    placeholder.refresh_from_db()
    assert placeholder.pmid == 990000002 and placeholder.fetch_state == "fetched"
    assert Paper.objects.filter(doi__iexact="10.5555/ref.0002").count() == 1


def test_two_records_with_one_doi_do_not_break_the_batch(records):
    twin = replace(records[990000004], pmid=990000030, doi=records[990000002].doi)
    summary = upsert_papers(records=[records[990000002], twin])
    assert len(summary.new) == 2
    assert Paper.objects.get(pmid=990000030).doi is None


def test_the_reference_list_gets_placeholders_until_papers_arrive(records):
    upsert_papers(records=[records[990000001]])
    review = Paper.objects.get(pmid=990000001)

    to_fetch = sync_reference_list(review=review, references=records[990000001].references)

    refs = list(Reference.objects.filter(review=review).select_related("paper"))
    assert [r.position for r in refs] == [1, 2, 3]
    assert to_fetch == [990000002]
    assert refs[0].paper.pmid == 990000002 and refs[0].paper.is_pending
    assert refs[1].paper.doi == "10.5555/REF.0003" and refs[1].paper.pmid is None
    assert refs[2].paper is None and refs[2].citation.startswith("Thirdauthor C.")

    upsert_papers(records=[records[990000002]])
    assert sync_reference_list(review=review, references=records[990000001].references) == []
    assert Reference.objects.get(review=review, position=1).paper.title == "A cited paper."
    assert Reference.objects.filter(review=review).count() == 3


def test_not_found_and_deleted_are_recorded_without_losing_data(records):
    upsert_papers(records=[records[990000002]])
    Paper.objects.create(pmid=990000040, fetch_state="pending")

    assert mark_not_found(pmids=[990000040, 990000002]) == 1
    assert mark_deleted(pmids=[990000002]) == 1

    assert Paper.objects.get(pmid=990000040).fetch_state == "not_found"
    kept = Paper.objects.get(pmid=990000002)
    assert kept.fetch_state == "fetched" and kept.deleted_from_pubmed and kept.title


def test_a_bigger_batch_costs_no_more_queries(records, django_assert_max_num_queries):
    """Set-based writes: 60 records cost the same number of queries as 3."""
    base = records[990000001]

    def batch(start, n):
        return [replace(base, pmid=990001000 + start + i, doi="", pmcid="") for i in range(n)]

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        upsert_papers(records=batch(0, 3))
    with django_assert_max_num_queries(len(small.captured_queries)):
        upsert_papers(records=batch(100, 60))


def test_notes_are_untouched_when_nothing_is_flagged(records):
    paper = PaperFactory(pmid=990000004)
    note = EvidenceNoteFactory(papers=[paper])
    upsert_papers(records=[replace(records[990000004], publication_types=("Journal Article",))])
    assert EvidenceNote.objects.get(pk=note.pk).needs_review is False


def test_a_journal_stored_by_issn_is_kept_when_its_nlm_id_arrives(records):
    record = records[990000001]
    without_id = replace(record, journal=replace(record.journal, nlm_unique_id=""))
    upsert_papers(records=[without_id])
    from papers.models import Journal

    assert list(Journal.objects.values_list("key", flat=True)) == ["issn:5555-0000"]

    upsert_papers(records=[record])

    assert list(Journal.objects.values_list("key", "nlm_unique_id")) == [("555000001", "555000001")]
    assert Paper.objects.get(pmid=990000001).journal.key == "555000001"


def test_a_new_publication_date_replaces_every_part_of_the_old_one(records):
    from papers.pubmed.records import PartialDate

    ahead_of_print = replace(records[990000004], pub_date=PartialDate(year=2019, month=10, day=24))
    upsert_papers(records=[ahead_of_print])
    in_print = replace(records[990000004], pub_date=PartialDate(year=2020, month=1))

    upsert_papers(records=[in_print])

    paper = Paper.objects.get(pmid=990000004)
    assert (paper.pub_year, paper.pub_month, paper.pub_day) == (2020, 1, None)
    assert paper.pub_date_display == "2020 Jan"
    assert str(paper.pub_date_sort) == "2020-01-01"
    # A reply without any date keeps the stored one.
    upsert_papers(records=[replace(in_print, pub_date=PartialDate(), volume="99")])
    assert Paper.objects.get(pmid=990000004).pub_date_display == "2020 Jan"


@pytest.mark.django_db(transaction=True)
def test_two_jobs_inserting_the_same_new_paper_at_once_both_succeed(records):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def upsert():
        try:
            barrier.wait(timeout=10)
            upsert_papers(records=[records[990000002], records[990000004]])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upsert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Paper.objects.filter(pmid__in=[990000002, 990000004]).count() == 2


@pytest.mark.django_db(transaction=True)  # pages go stale when the upsert commits
def test_an_upsert_makes_cached_pages_show_the_new_data(client, records):
    upsert_papers(records=[records[990000004]])
    url = Paper.objects.get(pmid=990000004).get_absolute_url()
    assert "A paper with a season date" in client.get(url, follow=True).content.decode()

    upsert_papers(records=[replace(records[990000004], title="A corrected season title.")])

    assert "A corrected season title." in client.get(url, follow=True).content.decode()
