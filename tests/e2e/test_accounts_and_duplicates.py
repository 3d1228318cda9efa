"""Logging in and out from the header, and an editor merging a duplicate, in a real browser."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from papers.models import Paper
from tests.e2e.conftest import axe_violations, screenshot
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor(transactional_db):
    user = UserFactory(username="edith")
    user.groups.add(Group.objects.get(name="Editor"))
    return user


def _log_in(page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_curator_logs_in_from_the_header_and_out_again(live_server, page, editor):
    page.goto(live_server.url + "/compare/")
    page.get_by_role("link", name="Log in").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/compare/$"))
    assert axe_violations(page) == []
    screenshot(page, "20-login")

    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username")

    _log_in(page, "edith")
    page.wait_for_url(re.compile(r"/compare/$"))
    header = page.locator(".account-nav")
    assert header.locator(".account-name").inner_text() == "edith"
    screenshot(page, "21-logged-in")

    header.get_by_role("button", name="Log out").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".account-nav").get_by_role("link", name="Log in").is_visible()
    assert page.js_errors == []


def test_an_editor_merges_a_duplicate_after_confirming(live_server, page, editor):
    keep = PaperFactory(title="Durable remission after <i>aHSCT</i> in MS.")
    duplicate = PaperFactory(title="Durable remission after aHSCT in MS", pmid=None)
    page.goto(live_server.url + "/accounts/login/?next=/curate/duplicates/")
    _log_in(page, "edith")
    page.wait_for_url(re.compile(r"/curate/duplicates/$"))
    assert page.locator(".dup-pair").count() == 1
    assert axe_violations(page) == []
    screenshot(page, "22-duplicates")

    page.get_by_role("button", name=f"Merge #{duplicate.pk} into this one").click()
    page.wait_for_url(re.compile(r"/curate/duplicates/merge/$"))
    assert page.locator("h1").inner_text() == f"Merge paper #{duplicate.pk} into #{keep.pk}?"
    screenshot(page, "23-merge-confirm")
    page.get_by_role("button", name=f"Merge #{duplicate.pk} into #{keep.pk}").click()

    page.wait_for_url(re.compile(r"/curate/duplicates/$"))
    message = page.get_by_role("status").inner_text()
    assert f"Merged paper #{duplicate.pk} into #{keep.pk}" in message
    assert not Paper.objects.filter(pk=duplicate.pk).exists()
    assert page.js_errors == []
