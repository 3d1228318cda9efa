"""The role groups exist after migrate, and staff sessions end sooner than readers'."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management.sql import emit_post_migrate_signal
from django.test import Client

from papers.roles import can_curate, can_publish
from tests.accounts.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CURATOR_PERMS = {
    "papers.add_evidencenote",
    "papers.change_evidencenote",
    "papers.view_evidencenote",
}


def _permissions(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_migrations_create_the_curator_and_editor_groups_with_exactly_their_permissions():
    assert _permissions(Group.objects.get(name="Curator")) == CURATOR_PERMS
    assert _permissions(Group.objects.get(name="Editor")) == CURATOR_PERMS | {
        "papers.publish_evidencenote"
    }


def test_curators_may_curate_and_only_editors_may_publish():
    curator = UserFactory(username="carol")
    curator.groups.add(Group.objects.get(name="Curator"))
    editor = UserFactory(username="edith")
    editor.groups.add(Group.objects.get(name="Editor"))
    reader = UserFactory(username="rita")
    assert (can_curate(curator), can_publish(curator)) == (True, False)
    assert (can_curate(editor), can_publish(editor)) == (True, True)
    assert (can_curate(reader), can_publish(reader)) == (False, False)


def test_groups_emptied_by_a_flush_come_back_on_the_next_migrate_signal():
    Group.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert _permissions(Group.objects.get(name="Curator")) == CURATOR_PERMS
    assert Group.objects.filter(name="Editor").exists()


def test_an_admins_change_to_a_group_survives_the_migrate_signal():
    curator = Group.objects.get(name="Curator")
    curator.permissions.clear()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert _permissions(curator) == set()


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_staff_sessions_end_sooner_than_readers_sessions(settings, login_url):
    assert settings.STAFF_SESSION_SECONDS < settings.SESSION_COOKIE_AGE
    UserFactory(username="root", is_staff=True)
    staff = Client()
    response = log_in(staff, login_url, "root")
    assert response.status_code == 302
    assert staff.session.get_expiry_age() == settings.STAFF_SESSION_SECONDS
    assert int(response.cookies["sessionid"]["max-age"]) == settings.STAFF_SESSION_SECONDS

    UserFactory(username="rita")
    reader = Client()
    response = log_in(reader, "/accounts/login/", "rita")
    assert reader.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert int(response.cookies["sessionid"]["max-age"]) == settings.SESSION_COOKIE_AGE
