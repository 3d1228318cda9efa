"""No lost updates: the second of two concurrent saves gets both versions and merges them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from papers.models import EvidenceNote
from tests.curation.conftest import client_for, item_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(people, therapy, paper):
    client_for(people.alice).post(reverse("curation:note-new"), item_data(therapy, [paper]))
    return EvidenceNote.objects.get()


def _save(client, note, data):
    return client.post(reverse("curation:note-edit", kwargs={"pk": note.pk}), data)


def test_the_second_save_gets_a_conflict_page_with_both_versions(people, draft, therapy, paper):
    alice, bob = client_for(people.alice), client_for(people.bob)
    # Both opened the form at version 1.
    assert (
        _save(
            alice, draft, item_data(therapy, [paper], statement="Alice's wording.", version=1)
        ).status_code
        == 302
    )
    response = _save(
        bob,
        draft,
        item_data(
            therapy,
            [paper],
            statement="Bob's wording.",
            outcome_measure="months",
            outcome_value="36",
            version=1,
        ),
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this item while you were editing" in page
    assert "Alice Curator saved item" in page
    assert "<del>Alice&#x27;s</del>" in page and "<ins>Bob&#x27;s</ins>" in page
    assert 'name="mine-statement" value="Bob&#x27;s wording."' in page  # nothing of Bob's is lost
    draft.refresh_from_db()
    assert (draft.statement, draft.version) == ("Alice's wording.", 2)
    assert 'name="version" value="2"' in page


def test_the_merge_keeps_what_was_chosen_field_by_field(people, draft, therapy, paper):
    alice, bob = client_for(people.alice), client_for(people.bob)
    _save(alice, draft, item_data(therapy, [paper], statement="Alice's wording.", version=1))
    conflict = _save(
        bob,
        draft,
        item_data(
            therapy,
            [paper],
            statement="Bob's wording.",
            outcome_measure="months",
            outcome_value="36",
            version=1,
        ),
    ).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(mine-[^"]+)" value="([^"]*)"', conflict))
    hidden = {k: v.replace("&#x27;", "'") for k, v in hidden.items()}

    response = bob.post(
        reverse("curation:note-merge", kwargs={"pk": draft.pk}),
        {
            **hidden,
            "mine-cited": [paper.pk],
            "version": 2,
            "choose-statement": "merged",
            "merged-statement": "Alice's wording, with Bob's number.",
            "choose-outcome_measure": "mine",
            "choose-outcome_value": "mine",
        },
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.statement == "Alice's wording, with Bob's number."
    assert (draft.outcome_measure, draft.outcome_value, draft.version) == ("months", 36, 3)
    reasons = [h.history_change_reason for h in draft.history.all()]
    assert reasons[:2] == ["edited", "edited"]


def test_choosing_theirs_everywhere_changes_nothing(people, draft, therapy, paper):
    alice, bob = client_for(people.alice), client_for(people.bob)
    _save(alice, draft, item_data(therapy, [paper], statement="Alice's wording.", version=1))
    _save(bob, draft, item_data(therapy, [paper], statement="Bob's wording.", version=1))

    bob.post(
        reverse("curation:note-merge", kwargs={"pk": draft.pk}),
        {
            "mine-statement": "Bob's wording.",
            "mine-cited": [paper.pk],
            "version": 2,
            "choose-statement": "theirs",
            "mine-therapy": therapy.pk,
            "mine-note_type": "reconstitution",
        },
    )

    draft.refresh_from_db()
    assert (draft.statement, draft.version) == ("Alice's wording.", 2)


def test_a_merge_over_a_version_that_moved_on_again_is_another_conflict(
    people, draft, therapy, paper
):
    alice, bob = client_for(people.alice), client_for(people.bob)
    _save(alice, draft, item_data(therapy, [paper], statement="Alice's wording.", version=1))
    _save(alice, draft, item_data(therapy, [paper], statement="Alice again.", version=2))

    response = bob.post(
        reverse("curation:note-merge", kwargs={"pk": draft.pk}),
        {
            "mine-statement": "Bob's wording.",
            "mine-therapy": therapy.pk,
            "mine-note_type": "reconstitution",
            "mine-cited": [paper.pk],
            "version": 2,
        },
    )

    assert response.status_code == 409
    assert "again." in response.content.decode()


def test_two_curators_revising_a_published_item_meet_on_its_revision(people, therapy, paper):
    alice, bob, erin = client_for(people.alice), client_for(people.bob), client_for(people.erin)
    alice.post(reverse("curation:note-new"), item_data(therapy, [paper]))
    note = EvidenceNote.objects.get()
    alice.post(reverse("curation:note-submit", kwargs={"pk": note.pk}), {"version": 1})
    bob.post(reverse("curation:note-publish", kwargs={"pk": note.pk}), {"version": 1})

    _save(alice, note, item_data(therapy, [paper], statement="Alice's revision.", version=1))
    response = _save(
        erin, note, item_data(therapy, [paper], statement="Erin's revision.", version=1)
    )

    revision = EvidenceNote.objects.get(revision_of=note)
    assert response.status_code == 409
    assert reverse("curation:note-merge", kwargs={"pk": revision.pk}) in response.content.decode()
    assert EvidenceNote.objects.filter(revision_of=note).count() == 1


def test_saving_a_revision_published_meanwhile_meets_the_published_item(people, therapy, paper):
    alice, bob = client_for(people.alice), client_for(people.bob)
    alice.post(reverse("curation:note-new"), item_data(therapy, [paper]))
    note = EvidenceNote.objects.get()
    alice.post(reverse("curation:note-submit", kwargs={"pk": note.pk}), {"version": 1})
    bob.post(reverse("curation:note-publish", kwargs={"pk": note.pk}), {"version": 1})
    _save(alice, note, item_data(therapy, [paper], statement="The revision.", version=1))
    revision = EvidenceNote.objects.get(revision_of=note)
    alice.post(reverse("curation:note-submit", kwargs={"pk": revision.pk}), {"version": 1})
    bob.post(reverse("curation:note-publish", kwargs={"pk": revision.pk}), {"version": 1})

    # erin had the revision open and saves it after it was published and removed
    response = client_for(people.erin).post(
        reverse("curation:note-edit", kwargs={"pk": revision.pk}),
        item_data(therapy, [paper], statement="Erin's late edit.", version=1),
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert reverse("curation:note-merge", kwargs={"pk": note.pk}) in page
    assert 'name="mine-statement" value="Erin&#x27;s late edit."' in page
