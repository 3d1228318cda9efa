"""The curator queue on /curate/ and the activity feeds, each in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from papers.models import EvidenceEvent, EvidenceNote
from tests.curation.conftest import client_for
from tests.factories import EvidenceNoteFactory, PaperFactory, ReferenceFactory

pytestmark = pytest.mark.django_db


def _items(people, therapy, paper, n=12):
    """Make n items in every queue state, with events, as the workflow would leave them."""
    made = []
    for i in range(n):
        status = ["draft", "submitted", "published"][i % 3]
        note = EvidenceNoteFactory(
            therapy=therapy,
            papers=[paper],
            status=status,
            author=people.alice,
            last_changed_by=people.alice,
            submitted_by=people.alice if status != "draft" else None,
            published_version=1 if status == "published" else 0,
            review_comment="Please add the follow-up." if i % 6 == 0 else "",
            needs_review=i % 4 == 0,
            review_reason="PMID 1: a cited paper has been retracted" if i % 4 == 0 else "",
            statement=f"Statement number {i}.",
        )
        EvidenceEvent.objects.create(
            note=note, therapy=therapy, actor=people.bob, kind="published", public=True
        )
        EvidenceEvent.objects.create(note=note, therapy=therapy, actor=people.alice, kind="created")
        made.append(note)
    return made


def test_the_dashboard_shows_each_queue_to_the_right_person(people, therapy, paper):
    _items(people, therapy, paper)
    review = PaperFactory(title="A review with references")
    ReferenceFactory(review=review, citation="Unidentified work, 1999.", paper=None)

    editor = client_for(people.bob).get(reverse("curation:dashboard")).content.decode()
    curator = client_for(people.alice).get(reverse("curation:dashboard")).content.decode()

    assert "Awaiting your review (4)" in editor
    assert "Awaiting your review" not in curator  # curators do not publish
    assert "Your submissions awaiting review (4)" in curator
    assert "Sent back to you (2)" in curator and "Please add the follow-up." in curator
    assert "Flagged for review (3)" in curator
    assert "References not yet identified (1)" in curator and "Unidentified work, 1999." in curator
    assert "Duplicate-looking papers" in curator


def test_the_dashboard_costs_the_same_with_more_items(
    people, therapy, paper, django_assert_max_num_queries
):
    _items(people, therapy, paper, n=30)
    client = client_for(people.bob)
    client.get(reverse("curation:dashboard"))  # session and permission caches warm
    # 18: the inbox counts per therapy and the PubMed/Crossref disagreements are one query each.
    with django_assert_max_num_queries(18):
        assert client.get(reverse("curation:dashboard")).status_code == 200


def test_the_activity_feed_costs_the_same_with_more_events(
    people, therapy, paper, django_assert_max_num_queries
):
    _items(people, therapy, paper, n=40)
    for client in (client_for(None), client_for(people.alice)):
        with django_assert_max_num_queries(8):
            assert client.get(reverse("curation:activity")).status_code == 200
        with django_assert_max_num_queries(8):
            url = reverse("curation:therapy-activity", kwargs={"slug": therapy.slug})
            assert client.get(url).status_code == 200


def test_readers_see_only_public_activity(people, therapy, paper):
    _items(people, therapy, paper, n=3)
    public = client_for(None).get(reverse("curation:activity")).content.decode()
    curator = client_for(people.alice).get(reverse("curation:activity")).content.decode()
    assert "Bob Editor published" in public and "Alice Curator created" not in public
    assert "Alice Curator created" in curator
    assert "Only published content is shown." in public


def test_the_activity_feed_is_paginated_newest_first(people, therapy, paper):
    note = EvidenceNoteFactory(therapy=therapy, papers=[paper], published_version=1)
    for i in range(55):
        EvidenceEvent.objects.create(
            note=note,
            therapy=therapy,
            actor=people.bob,
            kind="retired",
            comment=f"reason {i:02d}",
            public=True,
        )
    first = client_for(None).get(reverse("curation:activity")).content.decode()
    second = client_for(None).get(reverse("curation:activity"), {"page": 2}).content.decode()
    assert "reason 54" in first and "reason 05" in first and "reason 04" not in first
    assert "reason 04" in second and "Page 2 of 2" in second


def test_a_therapys_activity_shows_only_that_therapy(people, therapy, paper):
    from tests.factories import TherapyFactory

    other = TherapyFactory(name="Cladribine", slug="cladribine")
    mine = EvidenceNoteFactory(therapy=therapy, papers=[paper], published_version=1)
    theirs = EvidenceNoteFactory(therapy=other, papers=[paper], published_version=1)
    EvidenceEvent.objects.create(note=mine, therapy=therapy, kind="published", public=True)
    EvidenceEvent.objects.create(note=theirs, therapy=other, kind="published", public=True)
    page = (
        client_for(None)
        .get(reverse("curation:therapy-activity", kwargs={"slug": therapy.slug}))
        .content.decode()
    )
    assert f"item #{mine.pk}" in page and f"item #{theirs.pk}" not in page
    assert EvidenceNote.objects.count() == 2


def test_an_items_page_and_history_cost_the_same_with_more_citations_and_versions(
    people, therapy, django_assert_max_num_queries
):
    papers = [PaperFactory() for _ in range(12)]
    note = EvidenceNoteFactory(therapy=therapy, papers=papers, published_version=1)
    for i in range(15):
        note.statement = f"Version {i}."
        note.save()
    for client in (client_for(None), client_for(people.bob)):
        with django_assert_max_num_queries(14):
            assert client.get(note.get_absolute_url()).status_code == 200
        with django_assert_max_num_queries(14):
            url = reverse("curation:note-history", kwargs={"pk": note.pk})
            assert client.get(url).status_code == 200
