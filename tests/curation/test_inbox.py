"""The triage inbox: who may see and decide, what each decision does, bulk decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from papers.models import IntakeItem, Paper, WatchedSearch
from papers.search.index import update_search_vectors
from tests import factories
from tests.curation.conftest import ABSTRACT, client_for

INBOX = reverse("curation:inbox")


@pytest.fixture
def search(therapy) -> WatchedSearch:
    return WatchedSearch.objects.create(
        therapy=therapy, name="alem", query="alemtuzumab", start_date=dt.date(2024, 1, 1)
    )


@pytest.fixture
def items(search) -> list[IntakeItem]:
    papers = [
        factories.PaperFactory(title=f"Inbox paper number {n} on alemtuzumab", abstract=ABSTRACT)
        for n in range(3)
    ]
    return [IntakeItem.objects.create(paper=p, search=search) for p in papers]


def _triage(client, item, **data):
    return client.post(
        reverse("curation:inbox-triage", args=[item.pk]), data, HTTP_HX_REQUEST="true"
    )


@pytest.mark.parametrize(
    ("who", "status"), [(None, 302), ("rita", 403), ("alice", 200), ("bob", 200)]
)
def test_only_curators_and_editors_open_the_inbox(people, items, who, status):
    client = client_for(getattr(people, who) if who else None)

    assert client.get(INBOX).status_code == status


def test_the_inbox_lists_new_papers_with_their_search_and_snippet(
    people, items, django_assert_max_num_queries
):
    client = client_for(people.alice)
    with django_assert_max_num_queries(14):
        page = client.get(INBOX).content.decode()

    assert page.count('class="inbox-item"') == 3
    assert "Inbox paper number 2 on alemtuzumab" in page
    assert "Found by <code>alemtuzumab</code> (Alemtuzumab)" in page
    assert "Immune reconstitution after alemtuzumab is uneven." in page  # markup stripped
    # Newest first.
    assert page.index("number 2") < page.index("number 1") < page.index("number 0")


def test_a_reader_cannot_triage(people, items):
    response = _triage(client_for(people.rita), items[0], decision="duplicate")

    assert response.status_code == 403
    assert IntakeItem.objects.get(pk=items[0].pk).status == IntakeItem.Status.UNTRIAGED


def test_relevant_ties_the_paper_to_the_therapy(people, items, therapy):
    other = factories.TherapyFactory(name="Cladribine", slug="cladribine")
    assert not Paper.objects.tied_to_therapy(therapy).exists()

    response = _triage(
        client_for(people.alice), items[0], decision="relevant", therapies=[therapy.pk, other.pk]
    )

    assert response.status_code == 200
    assert (
        "relevant</strong> to Alemtuzumab, Cladribine by Alice Curator" in response.content.decode()
    )
    assert list(Paper.objects.tied_to_therapy(therapy)) == [items[0].paper]
    assert list(Paper.objects.tied_to_therapy(other)) == [items[0].paper]
    decided = IntakeItem.objects.get(pk=items[0].pk)
    assert decided.triaged_by == people.alice and decided.triaged_at is not None


def test_relevant_without_a_therapy_is_refused_and_nothing_changes(people, items):
    response = _triage(client_for(people.alice), items[0], decision="relevant")

    assert "Choose the therapy" in response.content.decode()
    assert IntakeItem.objects.get(pk=items[0].pk).status == IntakeItem.Status.UNTRIAGED


def test_not_relevant_needs_a_reason_from_the_list(people, items):
    client = client_for(people.alice)

    refused = _triage(client, items[0], decision="not_relevant", reason="because")
    assert "Select a valid choice" in refused.content.decode()
    assert IntakeItem.objects.get(pk=items[0].pk).status == IntakeItem.Status.UNTRIAGED

    _triage(client, items[0], decision="not_relevant", reason="not_human")
    decided = IntakeItem.objects.get(pk=items[0].pk)
    assert (decided.status, decided.reason) == (IntakeItem.Status.NOT_RELEVANT, "not_human")


def test_a_decision_can_be_changed_and_relevance_undone(people, items, therapy):
    client = client_for(people.alice)
    _triage(client, items[0], decision="relevant", therapies=[therapy.pk])

    _triage(client, items[0], decision="duplicate")

    assert IntakeItem.objects.get(pk=items[0].pk).status == IntakeItem.Status.DUPLICATE
    assert not Paper.objects.tied_to_therapy(therapy).exists()


def test_bulk_decisions_apply_to_every_ticked_paper(people, items, therapy):
    response = client_for(people.bob).post(
        reverse("curation:inbox-triage-bulk"),
        {"items": [items[0].pk, items[1].pk], "decision": "not_relevant", "reason": "off_topic"},
        follow=True,
    )

    assert "2 paper(s) marked not relevant." in response.content.decode()
    statuses = dict(IntakeItem.objects.values_list("pk", "status"))
    assert statuses == {
        items[0].pk: "not_relevant",
        items[1].pk: "not_relevant",
        items[2].pk: "untriaged",
    }
    # The inbox shows what is left to triage.
    assert response.content.decode().count('class="inbox-item"') == 1


def test_bulk_without_ticked_papers_says_so(people, items):
    response = client_for(people.alice).post(
        reverse("curation:inbox-triage-bulk"), {"decision": "duplicate"}, follow=True
    )

    assert "Tick the papers the decision is for." in response.content.decode()
    assert not IntakeItem.objects.exclude(status=IntakeItem.Status.UNTRIAGED).exists()


def test_the_dashboard_counts_untriaged_papers_per_therapy(people, items, therapy):
    _triage(client_for(people.alice), items[0], decision="duplicate")

    page = client_for(people.alice).get(reverse("curation:dashboard")).content.decode()

    assert "Alemtuzumab: 2</a>" in page


def test_only_editors_change_watched_searches(people, therapy):
    data = {
        "therapy": therapy.pk,
        "name": "alem-ms",
        "query": 'alemtuzumab AND "multiple sclerosis"',
        "start_date": "2024-01-01",
        "active": "on",
    }
    assert client_for(people.alice).post(reverse("curation:search-new"), data).status_code == 403

    response = client_for(people.bob).post(reverse("curation:search-new"), data)

    assert response.status_code == 302
    assert WatchedSearch.objects.get(name="alem-ms").query == data["query"]


def test_a_paper_triaged_relevant_is_suggested_in_the_editor_for_its_therapy(
    people, items, therapy
):
    client = client_for(people.alice)
    _triage(client, items[1], decision="relevant", therapies=[therapy.pk])
    other = factories.TherapyFactory(name="Cladribine", slug="cladribine")

    on_therapy = client.get(reverse("curation:note-new") + "?therapy=alemtuzumab").content.decode()
    elsewhere = client.get(reverse("curation:note-new") + "?therapy=cladribine").content.decode()

    assert "Suggested from the inbox" in on_therapy
    assert f"?paper={items[1].paper.pk}" in on_therapy
    assert f"?paper={items[0].paper.pk}" not in on_therapy  # untriaged: not suggested
    assert "Suggested from the inbox" not in elsewhere and other.pk


def test_untriaged_papers_are_searchable_but_labelled(people, items, client):
    _triage(
        client_for(people.alice),
        items[0],
        decision="relevant",
        therapies=[items[0].search.therapy.pk],
    )

    update_search_vectors(paper_ids=[item.paper.pk for item in items])

    page = client.get(reverse("papers:search") + "?q=inbox+paper").content.decode()

    assert page.count('class="result"') == 3
    assert page.count("Awaiting triage") == 2


def test_the_bulk_form_returns_only_to_pages_of_this_site(people, items):
    response = client_for(people.alice).post(
        reverse("curation:inbox-triage-bulk"),
        {"items": [items[0].pk], "decision": "duplicate", "next": "https://evil.example/"},
    )

    assert response["Location"] == INBOX
