"""Every change is a version: who, when, what (citations and quotes included); any two versions
side by side; past published versions at their own address; revert through review."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from papers.models import EvidenceNote
from tests.curation.conftest import client_for, item_data
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


def _edit(client, note, therapy, papers, **changes):
    note.refresh_from_db()
    data = item_data(therapy, papers, version=note.version, **changes)
    return client.post(reverse("curation:note-edit", kwargs={"pk": note.pk}), data)


def _publish(people, note):
    note.refresh_from_db()
    client_for(people.alice).post(
        reverse("curation:note-submit", kwargs={"pk": note.pk}), {"version": note.version}
    )
    client_for(people.bob).post(
        reverse("curation:note-publish", kwargs={"pk": note.pk}), {"version": note.version}
    )


@pytest.fixture
def published(people, therapy, paper):
    """An item published once, then revised and published again with another citation."""
    alice = client_for(people.alice)
    alice.post(reverse("curation:note-new"), item_data(therapy, [paper]))
    note = EvidenceNote.objects.get()
    _publish(people, note)
    other = PaperFactory(title="Thymic renewal after depletion.", abstract=[])
    _edit(
        alice,
        note,
        therapy,
        [other],
        statement="CD4+ T cells take about three years to return, slower than B cells.",
    )
    revision = EvidenceNote.objects.get(revision_of=note)
    _publish(people, revision)
    note.refresh_from_db()
    note.other_paper = other
    return note


def test_the_history_lists_who_did_what_and_diffs_the_latest_change(people, published, paper):
    page = (
        client_for(people.alice)
        .get(reverse("curation:note-history", kwargs={"pk": published.pk}))
        .content.decode()
    )

    assert "published revision as version 2" in page and "submitted for review" in page
    assert "Bob Editor" in page and "Alice Curator" in page
    # The statement diff marks only the added words.
    assert "<ins>, slower than B cells.</ins>" in page or "<ins>slower" in page
    # Citations are part of each version: one paper left, another came in.
    assert f"PMID <del>{paper.pmid}</del>" in page
    assert f"PMID <ins>{published.other_paper.pmid}</ins>" in page


def test_any_two_versions_can_be_compared(people, published):
    rows = list(published.history.order_by("history_date", "history_id"))
    first, last = rows[0], rows[-1]
    page = (
        client_for(people.alice)
        .get(
            reverse("curation:note-history", kwargs={"pk": published.pk}),
            {"from": first.history_id, "to": last.history_id},
        )
        .content.decode()
    )
    assert f'value="{first.history_id}" aria-label="Compare from' in page
    assert re.search(r"<tr class=\"changed\">\s*<th scope=\"row\">Citations and quotes", page)
    assert re.search(r"<tr class=\"same\">\s*<th scope=\"row\">Therapy", page)


def test_readers_see_the_history_of_published_versions_only(published):
    page = (
        client_for(None)
        .get(reverse("curation:note-history", kwargs={"pk": published.pk}))
        .content.decode()
    )
    assert "Published versions only." in page
    assert "submitted for review" not in page and "created" not in page
    assert "Revert to this version" not in page


def test_each_published_version_has_its_own_address(published):
    reader = client_for(None)
    v1 = reader.get(reverse("curation:note-version", kwargs={"pk": published.pk, "number": 1}))
    v2 = reader.get(reverse("curation:note-version", kwargs={"pk": published.pk, "number": 2}))
    assert "take about three years to return after alemtuzumab" in v1.content.decode()
    assert "slower than B cells" in v2.content.decode()
    assert "This is the current published version." in v2.content.decode()
    assert "Thymic renewal after depletion." in v2.content.decode()
    assert "Thymic renewal" not in v1.content.decode()  # v1 cited the other paper
    missing = reader.get(reverse("curation:note-version", kwargs={"pk": published.pk, "number": 3}))
    assert missing.status_code == 404


def test_reverting_makes_a_revision_that_goes_through_review(people, published, therapy, paper):
    alice = client_for(people.alice)
    v1 = published.history.filter(published_version=1, status="published").earliest("history_date")
    form = alice.get(
        reverse("curation:note-edit", kwargs={"pk": published.pk}), {"revert": v1.history_id}
    ).content.decode()
    assert "take about three years to return after alemtuzumab.</textarea>" in form
    assert f'name="cited" value="{paper.pk}"' in form
    reverted_from = re.search(r'name="reverted_from" value="([^"]+)"', form).group(1)

    data = item_data(therapy, [paper], version=published.version, reverted_from=reverted_from)
    alice.post(reverse("curation:note-edit", kwargs={"pk": published.pk}), data)

    published.refresh_from_db()
    assert "slower than B cells" in published.statement  # readers still see version 2
    revision = EvidenceNote.objects.get(revision_of=published)
    assert revision.statement.endswith("return after alemtuzumab.")
    assert revision.history.first().history_change_reason.startswith(
        f"revision of #{published.pk}, reverted to the version of"
    )
    _publish(people, revision)
    published.refresh_from_db()
    assert published.published_version == 3 and published.statement.endswith("after alemtuzumab.")
    assert list(published.papers.all()) == [paper]


def test_the_added_by_and_last_changed_by_are_shown(people, published):
    page = client_for(None).get(published.get_absolute_url()).content.decode()
    assert "Added by Alice Curator" in page
    assert "last changed by Alice Curator" in page and "published by Bob Editor" in page
