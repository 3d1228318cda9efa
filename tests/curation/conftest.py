"""People and data for the curator workspace: a curator, two editors, an admin and a reader.

alice writes, bob and erin review (two editors, so one can publish what the other submitted),
root is the admin (a superuser), and rita is a reader with an account but no curation rights.
Groups carry the same permissions as the Curator/Editor data migration gives them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client

from papers.models import EvidenceNote, Paper, Therapy
from papers.roles import CURATOR_GROUP, EDITOR_GROUP
from tests import factories

CURATE_CODENAMES = ["add_evidencenote", "change_evidencenote", "view_evidencenote"]
ABSTRACT = [
    {
        "label": "BACKGROUND",
        "nlm_category": "BACKGROUND",
        "text": "Immune reconstitution after <i>alemtuzumab</i> is uneven.",
    },
    {
        "label": "RESULTS",
        "nlm_category": "RESULTS",
        "text": "CD4<sup>+</sup> T cells returned to baseline   after 36 months in most "
        "patients; B cells returned within 6 months.",
    },
]


def make_groups() -> tuple[Group, Group]:
    """Create the Curator and Editor groups with their permissions (as the data migration)."""
    curate = list(Permission.objects.filter(codename__in=CURATE_CODENAMES))
    curator, _ = Group.objects.get_or_create(name=CURATOR_GROUP)
    curator.permissions.set(curate)
    editor, _ = Group.objects.get_or_create(name=EDITOR_GROUP)
    editor.permissions.set([*curate, Permission.objects.get(codename="publish_evidencenote")])
    return curator, editor


@dataclass
class People:
    alice: object  # curator
    bob: object  # editor
    erin: object  # a second editor
    root: object  # admin (superuser)
    rita: object  # reader with an account


def make_user(username: str, *groups: Group, **fields):
    """Create a user who signs in by session only: hashing passwords would cost each test
    seconds and no test here types one."""
    user = get_user_model()(username=username, email=f"{username}@example.org", **fields)
    user.set_unusable_password()
    user.save()
    user.groups.add(*groups)
    return user


@pytest.fixture
def people(db) -> People:
    curator, editor = make_groups()
    return People(
        alice=make_user("alice", curator, first_name="Alice", last_name="Curator"),
        bob=make_user("bob", editor, first_name="Bob", last_name="Editor"),
        erin=make_user("erin", editor),
        root=make_user("root", is_staff=True, is_superuser=True),
        rita=make_user("rita"),
    )


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def therapy(db) -> Therapy:
    return factories.TherapyFactory(name="Alemtuzumab", slug="alemtuzumab")


@pytest.fixture
def paper(db) -> Paper:
    """A fetched paper with a structured abstract holding inline markup."""
    paper = factories.PaperFactory(
        title="Clinical relevance of lymphocyte recovery after alemtuzumab.",
        abstract=ABSTRACT,
    )
    factories.AuthorshipFactory(paper=paper, position=1)
    return paper


def item_data(therapy: Therapy, papers=(), **changes) -> dict:
    """Return editor form data for an item on ``therapy`` citing ``papers`` (quotes by pk)."""
    quotes = changes.pop("quotes", {})
    data = {
        "therapy": therapy.pk,
        "note_type": EvidenceNote.NoteType.RECONSTITUTION,
        "statement": "CD4+ T cells take about three years to return after alemtuzumab.",
        "study_design": "",
        "direction": "",
        "population_phenotype": "",
        "population_size": "",
        "follow_up_value": "",
        "follow_up_unit": "",
        "outcome_measure": "",
        "outcome_value": "",
        "outcome_comparator": "",
        "outcome_ci_low": "",
        "outcome_ci_high": "",
        "cited": [p.pk for p in papers],
        **{f"quote-{p.pk}": quotes.get(p.pk, "") for p in papers},
    }
    data.update(changes)
    return data


@pytest.fixture
def broker_down():
    """Point the Celery app at a port nothing listens on, as when Redis is down.

    The app's connection and producer pools were built for the working broker: they are set
    aside (not closed, other tests go on using them) and put back afterwards.
    """
    from irtkb.celery import app

    kept = (app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app._pool, app.amqp._producer_pool = kept
