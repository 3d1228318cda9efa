"""Two-person review through HTTP: draft -> submitted -> published, send back, revisions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from papers.models import EvidenceEvent, EvidenceNote
from tests.curation.conftest import client_for, item_data

pytestmark = pytest.mark.django_db


def _create(client, therapy, papers, **changes) -> EvidenceNote:
    response = client.post(reverse("curation:note-new"), item_data(therapy, papers, **changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    return EvidenceNote.objects.order_by("-pk").first()


def _post(client, name, note, **data):
    return client.post(reverse(f"curation:{name}", kwargs={"pk": note.pk}), data)


def test_a_curator_writes_a_draft_and_an_editor_publishes_it(people, therapy, paper):
    alice, bob = client_for(people.alice), client_for(people.bob)
    note = _create(alice, therapy, [paper])
    assert (note.status, note.author, note.version) == ("draft", people.alice, 1)
    assert list(note.papers.all()) == [paper]

    assert _post(alice, "note-submit", note, version=1).status_code == 302
    note.refresh_from_db()
    assert (note.status, note.submitted_by) == ("submitted", people.alice)

    assert _post(bob, "note-publish", note, version=1).status_code == 302
    note.refresh_from_db()
    assert (note.status, note.published_by, note.published_version) == ("published", people.bob, 1)
    therapy_page = client_for(None).get(therapy.get_absolute_url()).content.decode()
    assert "CD4+ T cells take about three years" in therapy_page
    kinds = list(EvidenceEvent.objects.order_by("pk").values_list("kind", "public"))
    assert kinds == [("created", False), ("submitted", False), ("published", True)]


def test_an_editor_cannot_publish_their_own_submission(people, therapy, paper):
    bob, erin = client_for(people.bob), client_for(people.erin)
    note = _create(bob, therapy, [paper])
    _post(bob, "note-submit", note, version=1)

    refused = _post(bob, "note-publish", note, version=1)

    assert refused.status_code == 403
    note.refresh_from_db()
    assert note.status == "submitted"
    page = bob.get(note.get_absolute_url()).content.decode()
    assert "another editor must publish it" in page
    assert _post(erin, "note-publish", note, version=1).status_code == 302
    note.refresh_from_db()
    assert note.status == "published"


def test_sending_back_needs_a_comment_and_shows_it_to_the_curator(people, therapy, paper):
    alice, bob = client_for(people.alice), client_for(people.bob)
    note = _create(alice, therapy, [paper])
    _post(alice, "note-submit", note, version=1)

    empty = bob.post(
        reverse("curation:note-send-back", kwargs={"pk": note.pk}),
        {"comment": "  ", "version": 1},
        follow=True,
    )
    assert "Say what needs to change" in empty.content.decode()
    note.refresh_from_db()
    assert note.status == "submitted"

    _post(bob, "note-send-back", note, comment="Give the follow-up time.", version=1)
    note.refresh_from_db()
    assert (note.status, note.review_comment) == ("draft", "Give the follow-up time.")
    dashboard = alice.get(reverse("curation:dashboard")).content.decode()
    assert "Sent back to you (1)" in dashboard and "Give the follow-up time." in dashboard
    assert "Give the follow-up time." in alice.get(note.get_absolute_url()).content.decode()


def test_an_item_citing_a_paper_still_being_fetched_cannot_be_submitted(people, therapy):
    from tests.factories import PaperFactory

    pending = PaperFactory(title="", abstract=[], fetch_state="pending")
    alice = client_for(people.alice)
    note = _create(alice, therapy, [pending])  # a draft may wait for its paper

    response = alice.post(
        reverse("curation:note-submit", kwargs={"pk": note.pk}), {"version": 1}, follow=True
    )

    assert f"PMID {pending.pmid} is still being fetched" in response.content.decode()
    note.refresh_from_db()
    assert note.status == "draft"


def test_an_item_with_no_citation_cannot_be_submitted(people, therapy):
    alice = client_for(people.alice)
    note = _create(alice, therapy, [])
    response = alice.post(
        reverse("curation:note-submit", kwargs={"pk": note.pk}), {"version": 1}, follow=True
    )
    assert "Cite at least one paper" in response.content.decode()


# Committed for real: cached public pages go stale when the publishing transaction commits.
@pytest.mark.django_db(transaction=True)
def test_editing_a_published_item_makes_a_revision_readers_do_not_see(people, therapy, paper):
    alice, bob = client_for(people.alice), client_for(people.bob)
    note = _create(alice, therapy, [paper])
    _post(alice, "note-submit", note, version=1)
    _post(bob, "note-publish", note, version=1)

    response = alice.post(
        reverse("curation:note-edit", kwargs={"pk": note.pk}),
        item_data(
            therapy,
            [paper],
            statement="CD4+ T cells return after a median of 36 months.",
            version=1,
        ),
    )

    revision = EvidenceNote.objects.get(revision_of=note)
    assert response.status_code == 302 and response["Location"] == revision.get_absolute_url()
    note.refresh_from_db()
    assert note.statement.startswith("CD4+ T cells take about three years")
    public = client_for(None)
    assert "take about three years" in public.get(note.get_absolute_url()).content.decode()
    assert "median of 36 months" not in public.get(therapy.get_absolute_url()).content.decode()
    assert public.get(revision.get_absolute_url()).status_code == 404
    # A second edit goes to the same revision.
    again = alice.get(reverse("curation:note-edit", kwargs={"pk": note.pk}))
    assert again.status_code == 302
    assert again["Location"] == reverse("curation:note-edit", kwargs={"pk": revision.pk})

    _post(alice, "note-submit", revision, version=1)
    _post(bob, "note-publish", revision, version=1)

    note.refresh_from_db()
    assert note.statement == "CD4+ T cells return after a median of 36 months."
    assert (note.published_version, note.version, note.status) == (2, 2, "published")
    assert not EvidenceNote.objects.filter(revision_of=note).exists()
    assert "median of 36 months" in public.get(therapy.get_absolute_url()).content.decode()
    v1 = public.get(reverse("curation:note-version", kwargs={"pk": note.pk, "number": 1}))
    assert "take about three years" in v1.content.decode()
    assert "earlier published version" in v1.content.decode()


def test_retiring_keeps_the_permalink_but_takes_the_item_off_the_therapy_page(
    people, therapy, paper
):
    alice, bob = client_for(people.alice), client_for(people.bob)
    note = _create(alice, therapy, [paper])
    _post(alice, "note-submit", note, version=1)
    _post(bob, "note-publish", note, version=1)

    _post(bob, "note-retire", note, reason="Superseded by a longer follow-up.", version=1)

    public = client_for(None)
    assert "take about three years" not in public.get(therapy.get_absolute_url()).content.decode()
    permalink = public.get(note.get_absolute_url()).content.decode()
    assert "This item was retired" in permalink and "Superseded by a longer" in permalink


def test_an_action_on_a_version_the_editor_did_not_see_is_refused(people, therapy, paper):
    alice, bob = client_for(people.alice), client_for(people.bob)
    note = _create(alice, therapy, [paper])
    _post(alice, "note-submit", note, version=1)
    # alice edits (back to draft, version 2) and submits again while bob looks at version 1
    alice.post(
        reverse("curation:note-edit", kwargs={"pk": note.pk}),
        item_data(therapy, [paper], statement="A changed claim.", version=1),
    )
    _post(alice, "note-submit", note, version=2)

    response = bob.post(
        reverse("curation:note-publish", kwargs={"pk": note.pk}), {"version": 1}, follow=True
    )

    assert "changed after you opened it" in response.content.decode()
    note.refresh_from_db()
    assert note.status == "submitted"


def test_search_finds_an_item_once_published_and_loses_it_when_retired(people, therapy, paper):
    from django.contrib.postgres.search import SearchQuery

    from papers.models import Paper

    def indexed() -> bool:
        query = SearchQuery("quokkalike", config="english")
        return Paper.objects.filter(pk=paper.pk, search_vector=query).exists()

    alice, bob = client_for(people.alice), client_for(people.bob)
    note = _create(alice, therapy, [paper], statement="Quokkalike renewal after depletion.")
    _post(alice, "note-submit", note, version=1)
    assert not indexed()  # drafts and submissions are not searchable

    _post(bob, "note-publish", note, version=1)
    assert indexed()

    _post(bob, "note-retire", note, reason="Withdrawn.", version=1)
    assert not indexed()
