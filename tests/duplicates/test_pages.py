"""/curate/duplicates/ through HTTP: who may see it, the side-by-side list, confirm, merge."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from papers.models import Paper
from tests import factories
from tests.duplicates.conftest import build_linked_duplicate, make_user

pytestmark = pytest.mark.django_db

LIST = "/curate/duplicates/"
MERGE = "/curate/duplicates/merge/"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_url_names_are_the_ones_templates_use():
    assert reverse("curation:duplicates") == LIST
    assert reverse("curation:duplicates-merge") == MERGE


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 404), ("reader", 403), ("curator", 403), ("editor", 200), ("staff", 200)],
)
def test_only_editors_and_staff_see_the_duplicates(who, status):
    pair = build_linked_duplicate()
    users = {
        "anonymous": None,
        "reader": make_user("rita"),
        "curator": make_user("carol", "Curator"),
        "editor": make_user("edith", "Editor"),
        "staff": make_user("root", is_staff=True),
    }
    client = _client(users[who])
    assert client.get(LIST).status_code == status
    form = {"keep": pair.keep.pk, "duplicate": pair.duplicate.pk, "confirm": "1"}
    assert client.post(MERGE, form).status_code == (302 if status == 200 else status)
    assert Paper.objects.filter(pk=pair.duplicate.pk).exists() == (status != 200)


def test_the_list_shows_each_pair_side_by_side_with_its_links(editor):
    pair = build_linked_duplicate()
    page = _client(editor).get(LIST).content.decode()
    assert f"Papers #{pair.keep.pk} and #{pair.duplicate.pk}: same DOI" in page
    assert str(pair.duplicate.pmid) in page and "10.5555/irtkb.merge.1" in page
    assert "Not in PubMed" in page  # the stub's flag
    assert "Evidence notes citing it: 1" in page and "Pivotal trials: 1" in page
    assert page.count('name="csrfmiddlewaretoken"') >= 2
    assert f"Merge #{pair.duplicate.pk} into this one" in page


def test_an_editor_confirms_then_merges_and_the_pair_is_gone(editor):
    pair = build_linked_duplicate()
    client = _client(editor)
    form = {"keep": pair.keep.pk, "duplicate": pair.duplicate.pk}

    confirm = client.post(MERGE, form)
    assert confirm.status_code == 200
    assert f"Merge paper #{pair.duplicate.pk} into #{pair.keep.pk}?" in confirm.content.decode()
    assert Paper.objects.filter(pk=pair.duplicate.pk).exists()  # nothing merged yet

    done = client.post(MERGE, {**form, "confirm": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == LIST
    page = done.content.decode()
    assert f"Merged paper #{pair.duplicate.pk} into #{pair.keep.pk}" in page
    assert "No duplicate-looking papers." in page
    assert list(pair.note.papers.all()) == [pair.keep]


def test_merging_needs_the_csrf_token(editor):
    pair = build_linked_duplicate()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    form = {"keep": pair.keep.pk, "duplicate": pair.duplicate.pk, "confirm": "1"}
    assert client.post(MERGE, form).status_code == 403
    assert Paper.objects.filter(pk=pair.duplicate.pk).exists()


def test_a_forged_merge_of_two_unrelated_papers_is_refused_with_a_reason(editor):
    one = factories.PaperFactory(title="One thing")
    other = factories.PaperFactory(title="Another thing")
    response = _client(editor).post(MERGE, {"keep": one.pk, "duplicate": other.pk, "confirm": "1"})
    assert response.status_code == 400
    assert "no longer look like duplicates" in response.content.decode()
    assert Paper.objects.filter(pk__in=[one.pk, other.pk]).count() == 2


def test_merging_a_pair_twice_says_it_was_merged_already(editor):
    pair = build_linked_duplicate()
    client = _client(editor)
    form = {"keep": pair.keep.pk, "duplicate": pair.duplicate.pk, "confirm": "1"}
    client.post(MERGE, form)
    again = client.post(MERGE, form)
    assert again.status_code == 400
    assert "may have been merged already" in again.content.decode()


def test_the_list_reads_a_page_of_pairs_in_a_fixed_number_of_queries(
    editor, django_assert_max_num_queries
):
    for n in range(25):
        title = f"Immune reconstitution after cladribine, cohort {n}."
        for _ in range(2):
            paper = factories.PaperFactory(title=title)
            factories.AuthorshipFactory(paper=paper, position=1)
    client = _client(editor)
    # 23: count_links runs one grouped query per relation to Paper; the intake, Crossref and
    # related-papers tables added three relations (a fixed cost, not one per pair).
    with django_assert_max_num_queries(23):
        response = client.get(LIST)
    assert response.content.decode().count('class="dup-pair"') == 20
