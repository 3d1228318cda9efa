"""Supporting quotes against the real upsert: a refresh that takes a quote out of the abstract
flags the item like a retraction; a curator records "checked: keep" or "changed"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from papers.ingest import upsert_papers
from papers.models import EvidenceEvent, EvidenceNote, Paper
from papers.pubmed.parse import parse_pubmed_xml
from tests.curation.conftest import client_for, item_data

pytestmark = pytest.mark.django_db
PMID = 990_000_501  # synthetic: PubMed has not reached this range
QUOTE = "B-cell counts recovered within 6 months in 40 of 42 patients."


def record(results: str, *, retracted: bool = False):
    """Return a parsed synthetic PubMed record for PMID with the given RESULTS text."""
    notice = (
        '<CommentsCorrectionsList><CommentsCorrections RefType="RetractionIn">'
        "<RefSource>J Synth Neuroimmunol. 2021;1:1.</RefSource></CommentsCorrections>"
        "</CommentsCorrectionsList>"
        if retracted
        else ""
    )
    xml = f"""<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">{PMID}</PMID>
<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Internet"><Volume>3</Volume>
<PubDate><Year>2020</Year></PubDate></JournalIssue>
<Title>Journal of Synthetic Neuroimmunology</Title>
<ISOAbbreviation>J Synth Neuroimmunol</ISOAbbreviation></Journal>
<ArticleTitle>B-cell repopulation after <i>anti-CD20</i> depletion.</ArticleTitle>
<Abstract>
<AbstractText Label="METHODS" NlmCategory="METHODS">We followed 42 patients.</AbstractText>
<AbstractText Label="RESULTS" NlmCategory="RESULTS">{results}</AbstractText>
</Abstract>
<AuthorList><Author><LastName>Synthetic</LastName><ForeName>Ada</ForeName>
<Initials>A</Initials></Author></AuthorList>
<Language>eng</Language><PublicationTypeList>
<PublicationType UI="D016428">Journal Article</PublicationType></PublicationTypeList>
</Article>{notice}</MedlineCitation>
<PubmedData><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>
<ArticleId IdType="pubmed">{PMID}</ArticleId></ArticleIdList></PubmedData>
</PubmedArticle></PubmedArticleSet>"""
    parsed = parse_pubmed_xml(xml.encode())
    assert not parsed.errors, parsed.errors
    return parsed.records


@pytest.fixture
def quoted(people, therapy):
    """A published item quoting the RESULTS of a paper stored through the upsert."""
    upsert_papers(
        records=record("B-cell counts <b>recovered</b> within 6 months in 40 of 42 patients.")
    )
    paper = Paper.objects.get(pmid=PMID)
    alice, bob = client_for(people.alice), client_for(people.bob)
    alice.post(reverse("curation:note-new"), item_data(therapy, [paper], quotes={paper.pk: QUOTE}))
    note = EvidenceNote.objects.get()
    alice.post(reverse("curation:note-submit", kwargs={"pk": note.pk}), {"version": 1})
    bob.post(reverse("curation:note-publish", kwargs={"pk": note.pk}), {"version": 1})
    note.refresh_from_db()
    assert note.status == "published"
    return note


def test_a_quote_found_in_the_abstract_records_its_section(quoted):
    citation = quoted.citations.get()
    assert citation.quote_section == "RESULTS"
    page = client_for(None).get(quoted.get_absolute_url()).content.decode()
    assert QUOTE in page and "From the abstract, results." in page


def test_a_refresh_that_removes_the_quote_flags_the_item_for_review(people, quoted):
    summary = upsert_papers(records=record("B-cell counts recovered within 9 months."))

    assert summary.changed  # the abstract changed
    quoted.refresh_from_db()
    assert quoted.needs_review
    assert f"PMID {PMID}: the supporting quote is no longer in the title or abstract" in (
        quoted.review_reason
    )
    assert (
        quoted.history.first().history_change_reason == "flagged: quote no longer in the abstract"
    )
    event = EvidenceEvent.objects.get(kind="flagged")
    assert (event.note, event.actor, event.public) == (quoted, None, True)
    dashboard = client_for(people.alice).get(reverse("curation:dashboard")).content.decode()
    assert (
        "Flagged for review (1)" in dashboard and "no longer in the title or abstract" in dashboard
    )
    # The same refresh again does not flag it twice.
    upsert_papers(records=record("B-cell counts recovered within 9 months."))
    assert EvidenceEvent.objects.filter(kind="flagged").count() == 1


def test_a_quote_that_moves_to_another_section_only_moves(quoted):
    records = record("Nothing else.")
    xml_moved = records[0]
    from dataclasses import replace

    from papers.pubmed.records import AbstractSection

    moved = replace(
        xml_moved,
        abstract=(AbstractSection(label="CONCLUSIONS", nlm_category="CONCLUSIONS", text=QUOTE),),
    )
    upsert_papers(records=[moved])

    quoted.refresh_from_db()
    assert not quoted.needs_review
    assert quoted.citations.get().quote_section == "CONCLUSIONS"


def test_a_retraction_flags_the_item_and_the_check_is_recorded(people, quoted):
    upsert_papers(records=record(QUOTE, retracted=True))
    quoted.refresh_from_db()
    assert quoted.needs_review and "retracted" in quoted.review_reason
    alice = client_for(people.alice)

    missing_reason = alice.post(
        reverse("curation:note-checked", kwargs={"pk": quoted.pk}), {"outcome": "keep"}, follow=True
    )
    assert "Say what you checked" in missing_reason.content.decode()

    alice.post(
        reverse("curation:note-checked", kwargs={"pk": quoted.pk}),
        {"outcome": "keep", "reason": "The retraction concerns another cohort of the paper."},
    )

    quoted.refresh_from_db()
    assert not quoted.needs_review
    assert quoted.history.first().history_change_reason.startswith("checked: keep: The retraction")
    event = EvidenceEvent.objects.get(kind="checked_kept")
    assert "another cohort" in event.comment and event.actor == people.alice and event.public
    activity = client_for(None).get(reverse("curation:activity")).content.decode()
    assert "checked and kept" in activity


def test_a_flagged_item_cannot_be_submitted_until_it_is_checked(people, therapy):
    upsert_papers(records=record(QUOTE))
    paper = Paper.objects.get(pmid=PMID)
    alice = client_for(people.alice)
    alice.post(reverse("curation:note-new"), item_data(therapy, [paper], quotes={paper.pk: QUOTE}))
    upsert_papers(records=record("Changed results."))
    note = EvidenceNote.objects.get()
    assert note.needs_review

    response = alice.post(
        reverse("curation:note-submit", kwargs={"pk": note.pk}), {"version": 1}, follow=True
    )

    assert "This quote is not in the title or abstract" in response.content.decode()
    note.refresh_from_db()
    assert note.status == "draft"
