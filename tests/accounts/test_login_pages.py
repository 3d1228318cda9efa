"""Log in, log out, change and reset a password through the site's pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, can_log_in, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_a_curator_logs_in_sees_their_name_in_the_header_and_logs_out(client):
    UserFactory(username="carol")
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content

    response = log_in(client, LOGIN, "carol", next="/therapies/")
    assert response.status_code == 302 and response["Location"] == "/therapies/"
    home = client.get("/").content.decode()
    assert "carol" in home and "Log out" in home and ">Log in<" not in home

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert ">Log in<" in home and "Log out" not in home


def test_the_header_offers_a_login_that_comes_back_to_the_page(client):
    page = client.get("/therapies/").content.decode()
    assert 'href="/accounts/login/?next=/therapies/"' in page


def test_logging_out_needs_a_post_with_the_csrf_token_from_the_header_form():
    UserFactory(username="carol")
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="carol"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert "_auth_user_id" in client.session

    header = client.get("/").content.decode()
    form = re.search(r'class="logout-form" action="([^"]+)" method="post">(.*?)</form>', header)
    assert form, "the header has a logout form"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(2)).group(1)
    response = client.post(form.group(1), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_is_refused_with_a_message_and_keeps_the_username(client):
    UserFactory(username="carol")
    response = log_in(client, LOGIN, "carol", password="not it")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct username and password" in page
    assert 'value="carol"' in page
    assert "_auth_user_id" not in client.session


def test_login_never_redirects_to_another_site(client):
    UserFactory(username="carol")
    response = log_in(client, LOGIN, "carol", next="https://evil.example.org/")
    assert response.status_code == 302 and response["Location"] == reverse("papers:home")


def test_a_curator_changes_their_password_and_stays_logged_in(client):
    UserFactory(username="carol")
    assert client.get(reverse("accounts:password-change"))["Location"].startswith(LOGIN)
    log_in(client, LOGIN, "carol")

    refused = client.post(
        reverse("accounts:password-change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    )
    assert refused.status_code == 200
    assert "Your old password was entered incorrectly" in refused.content.decode()

    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    assert response["Location"] == reverse("accounts:password-change-done")
    assert "carol" in client.get("/").content.decode()  # the session survived the change
    assert can_log_in("carol", "a brand new passphrase")
    assert not can_log_in("carol", PASSWORD)


def test_a_curator_resets_a_forgotten_password_through_the_emailed_link(client):
    UserFactory(username="carol", email="carol@example.org")
    response = client.post(reverse("accounts:password-reset"), {"email": "carol@example.org"})
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@example.org"] and message.subject == "Reset your irtkb password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_url,
        {"new_password1": "remembered at last", "new_password2": "remembered at last"},
    )
    assert response["Location"] == reverse("accounts:password-reset-complete")
    assert can_log_in("carol", "remembered at last")

    reused = client.get(link, follow=True).content.decode()
    assert "This link does not work any more" in reused


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert mail.outbox == []
    assert not get_user_model().objects.exists()
