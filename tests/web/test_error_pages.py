from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_unknown_url_gets_the_site_404_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page not found · irtkb</title>" in html
    assert "/no/such/page/" in html
    assert '<nav aria-label="Main">' in html


def test_a_failing_view_gets_the_self_contained_500_page(settings):
    settings.ROOT_URLCONF = "tests.web.urls_failing"
    client = Client(raise_request_exception=False)

    response = client.get("/fail/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "<title>Server error · irtkb</title>" in html
    assert "Something went wrong on our side" in html
    assert "deliberate failure" not in html
