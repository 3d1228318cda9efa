"""Who may do what, asserted through HTTP for every role and every action.

Anonymous users and readers get 404 for anything about an unpublished item (so ids do not
leak), a login redirect or 403 for workspace pages, and only editors publish, send back and
retire, never their own submission.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from papers.models import EvidenceNote
from tests.curation.conftest import client_for, item_data
from tests.factories import EvidenceNoteFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "curator", "editor", "admin"]
LOGIN = 302  # a redirect to the login page (or, after a successful POST, to the item)


@pytest.fixture
def items(people, therapy, paper):
    """A draft, a submission and a published, flagged item, all by alice (the curator)."""

    def make(status, **extra):
        return EvidenceNoteFactory(
            therapy=therapy,
            papers=[paper],
            status=status,
            author=people.alice,
            last_changed_by=people.alice,
            submitted_by=people.alice if status != "draft" else None,
            published_version=1 if status == "published" else 0,
            statement=f"A {status} statement.",
            **extra,
        )

    return {
        "draft": make("draft"),
        "submitted": make("submitted"),
        "published": make("published", needs_review=True, review_reason="PMID 1: retracted"),
    }


def _user(people, role):
    return {
        "anonymous": None,
        "reader": people.rita,
        "curator": people.alice,
        "editor": people.bob,
        "admin": people.root,
    }[role]


def _url(name, item=None):
    return reverse(f"curation:{name}", kwargs={"pk": item.pk} if item else {})


# (action, how to call it, expected status per role in ROLES order)
CASES = {
    "dashboard": (lambda c, i, t, p: c.get(_url("dashboard")), [LOGIN, 403, 200, 200, 200]),
    "new form": (lambda c, i, t, p: c.get(_url("note-new")), [LOGIN, 403, 200, 200, 200]),
    "create": (
        lambda c, i, t, p: c.post(_url("note-new"), item_data(t, [p])),
        [LOGIN, 403, 302, 302, 302],
    ),
    "view draft": (
        lambda c, i, t, p: c.get(_url("note-detail", i["draft"])),
        [404, 404, 200, 200, 200],
    ),
    "draft history": (
        lambda c, i, t, p: c.get(_url("note-history", i["draft"])),
        [404, 404, 200, 200, 200],
    ),
    "edit form": (
        lambda c, i, t, p: c.get(_url("note-edit", i["draft"])),
        [LOGIN, 403, 200, 200, 200],
    ),
    "edit": (
        lambda c, i, t, p: c.post(
            _url("note-edit", i["draft"]), item_data(t, [p], statement="Changed.", version=1)
        ),
        [LOGIN, 403, 302, 302, 302],
    ),
    "submit": (
        lambda c, i, t, p: c.post(_url("note-submit", i["draft"]), {"version": 1}),
        [404, 404, 302, 302, 302],
    ),
    "publish": (
        lambda c, i, t, p: c.post(_url("note-publish", i["submitted"]), {"version": 1}),
        [404, 404, 403, 302, 302],
    ),
    "send back": (
        lambda c, i, t, p: c.post(
            _url("note-send-back", i["submitted"]), {"version": 1, "comment": "Why?"}
        ),
        [404, 404, 403, 302, 302],
    ),
    "view published": (
        lambda c, i, t, p: c.get(_url("note-detail", i["published"])),
        [200, 200, 200, 200, 200],
    ),
    "published history": (
        lambda c, i, t, p: c.get(_url("note-history", i["published"])),
        [200, 200, 200, 200, 200],
    ),
    "published version": (
        lambda c, i, t, p: c.get(
            reverse("curation:note-version", kwargs={"pk": i["published"].pk, "number": 2})
        ),
        [404, 404, 404, 404, 404],  # it has one version only
    ),
    "revise": (
        lambda c, i, t, p: c.post(
            _url("note-edit", i["published"]), item_data(t, [p], statement="Revised.", version=1)
        ),
        [LOGIN, 403, 302, 302, 302],
    ),
    "retire": (
        lambda c, i, t, p: c.post(
            _url("note-retire", i["published"]), {"version": 1, "reason": "Superseded."}
        ),
        [LOGIN, 403, 403, 302, 302],
    ),
    "record a check": (
        lambda c, i, t, p: c.post(
            _url("note-checked", i["published"]), {"outcome": "keep", "reason": "Checked."}
        ),
        [LOGIN, 403, 302, 302, 302],
    ),
    "preview": (
        lambda c, i, t, p: c.post(_url("preview"), {"statement": "*x*"}),
        [LOGIN, 403, 200, 200, 200],
    ),
    "picker": (
        lambda c, i, t, p: c.get(_url("paper-search"), {"q": "x"}),
        [LOGIN, 403, 200, 200, 200],
    ),
    "add paper": (
        lambda c, i, t, p: c.post(_url("paper-add"), {"identifier": str(p.pmid)}),
        [LOGIN, 403, 200, 200, 200],
    ),
    "activity": (lambda c, i, t, p: c.get(_url("activity")), [200, 200, 200, 200, 200]),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(CASES))
def test_permission_matrix(people, items, therapy, paper, role, action):
    call, expected = CASES[action]
    response = call(client_for(_user(people, role)), items, therapy, paper)
    assert response.status_code == expected[ROLES.index(role)], (action, role)
    if response.status_code == LOGIN and role == "anonymous":
        assert response["Location"].startswith(reverse("admin:login").rstrip("/")) or (
            "login" in response["Location"]
        )


def test_refused_actions_change_nothing(people, items):
    client_for(people.alice).post(_url("note-publish", items["submitted"]), {"version": 1})
    client_for(people.alice).post(
        _url("note-retire", items["published"]), {"version": 1, "reason": "x"}
    )
    client_for(None).post(_url("note-submit", items["draft"]), {"version": 1})
    statuses = dict(EvidenceNote.objects.values_list("statement", "status"))
    assert statuses == {
        "A draft statement.": "draft",
        "A submitted statement.": "submitted",
        "A published statement.": "published",
    }


def test_a_curator_sees_no_publish_button(people, items):
    page = client_for(people.alice).get(_url("note-detail", items["submitted"])).content.decode()
    assert "Waiting for an editor" in page
    assert _url("note-publish", items["submitted"]) not in page
    editor = client_for(people.bob).get(_url("note-detail", items["submitted"])).content.decode()
    assert _url("note-publish", items["submitted"]) in editor


def test_an_unknown_item_and_a_draft_look_the_same_to_readers(people, items):
    reader = client_for(None)
    missing = reader.get(reverse("curation:note-detail", kwargs={"pk": 999999}))
    draft = reader.get(_url("note-detail", items["draft"]))
    assert missing.status_code == draft.status_code == 404
    assert "A draft statement." not in draft.content.decode()


def test_every_workspace_form_carries_a_csrf_token(people, items):
    client = client_for(people.bob)
    pages = [
        client.get(_url("note-new")),
        client.get(_url("note-edit", items["draft"])),
        client.get(_url("note-detail", items["submitted"])),
        client.get(_url("note-detail", items["published"])),
    ]
    for page in pages:
        body = page.content.decode()
        assert body.count('method="post"') == body.count('name="csrfmiddlewaretoken"'), page


def test_posts_without_a_csrf_token_are_refused(people, items):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people.bob)
    response = client.post(_url("note-publish", items["submitted"]), {"version": 1})
    assert response.status_code == 403
    items["submitted"].refresh_from_db()
    assert items["submitted"].status == "submitted"


def test_public_item_pages_carry_no_csrf_token_and_are_cached(items):
    reader = client_for(None)
    url = _url("note-detail", items["published"])
    first = reader.get(url)
    second = reader.get(url)
    assert "csrf" not in first.content.decode().lower()
    assert not first.cookies
    assert second["X-Page-Cache"] == "hit"
