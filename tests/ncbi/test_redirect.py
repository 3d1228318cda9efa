"""papers.pubmed.redirect bends Bio.Entrez through one private name; these tests guard it."""

from __future__ import annotations

import inspect
from urllib.parse import parse_qs, urlsplit

import pytest
from Bio import Entrez

from papers.pubmed import redirect
from papers.pubmed.config import NCBI_EUTILS_URL, NcbiConfig
from tests.ncbi.conftest import make_config


def test_biopython_still_has_the_private_function_we_wrap():
    redirect.install()
    original = getattr(Entrez._build_request, "__wrapped__", Entrez._build_request)

    # If this fails after a Biopython upgrade, re-read Bio/Entrez/__init__.py and
    # papers/pubmed/redirect.py before changing the expected signature.
    assert str(inspect.signature(original)) == redirect.EXPECTED_SIGNATURE
    assert Entrez._build_request.irtkb_wrapped is True


@pytest.mark.parametrize("function", ["efetch", "esearch", "epost", "elink"])
def test_biopython_functions_still_hard_code_the_url_we_redirect(function):
    source = inspect.getsource(getattr(Entrez, function))

    assert f'"{NCBI_EUTILS_URL}{function}.fcgi"' in source
    assert "_build_request(" in source


def test_it_sends_every_entrez_function_to_the_configured_server(replay, rate_key):
    config = make_config(replay, rate_key)
    with redirect.using(config):
        for handle in (
            Entrez.efetch(db="pubmed", id="99000001", retmode="xml"),
            Entrez.esearch(db="pubmed", term="99000001"),
            Entrez.elink(dbfrom="pubmed", db="pubmed", id="99000001"),
        ):
            handle.read()
            handle.close()

    assert [(r.endpoint, r.status) for r in replay.requests] == [
        ("efetch", 200),
        ("esearch", 200),
        ("elink", 200),
    ]
    assert all(r.api_key for r in replay.requests)


def test_it_adds_our_identity_and_pins_the_timeout():
    config = NcbiConfig(
        base_url="http://127.0.0.1:9/eutils",
        email="curator@example.org",
        tool="irtkb-x",
        timeout_seconds=7,
    )
    with redirect.using(config):
        request = Entrez._build_request(
            f"{NCBI_EUTILS_URL}efetch.fcgi", {"db": "pubmed", "id": [1, 2]}
        )
    # What urllib's OpenerDirector.open() does with urlopen(request) and no timeout argument:
    request.timeout = object()

    assert request.full_url.startswith("http://127.0.0.1:9/eutils/efetch.fcgi?")
    query = parse_qs(urlsplit(request.full_url).query)
    assert query["email"] == ["curator@example.org"]
    assert query["tool"] == ["irtkb-x"]
    assert query["id"] == ["1,2"]
    assert "api_key" not in query
    assert request.timeout == 7


def test_many_ids_still_go_by_post():
    config = NcbiConfig(base_url="http://127.0.0.1:9/entrez/eutils/", email="t@example.org")
    with redirect.using(config):
        request = Entrez._build_request(
            f"{NCBI_EUTILS_URL}efetch.fcgi", {"db": "pubmed", "id": list(range(1, 201))}
        )

    assert request.get_method() == "POST"
    assert request.full_url == "http://127.0.0.1:9/entrez/eutils/efetch.fcgi"
    assert b"id=1%2C2%2C3" in request.data


def test_it_refuses_a_url_outside_ncbis_eutils():
    with (
        redirect.using(NcbiConfig(base_url="http://127.0.0.1:9/")),
        pytest.raises(RuntimeError, match="outside"),
    ):
        Entrez._build_request("https://example.org/efetch.fcgi", {"db": "pubmed"})


def test_without_a_client_config_it_follows_the_settings(settings):
    settings.EUTILS_BASE_URL = "http://127.0.0.1:9/replay/"
    settings.NCBI_EMAIL = "admin@example.org"
    settings.NCBI_TIMEOUT_SECONDS = 12
    redirect.install()

    request = Entrez._build_request(f"{NCBI_EUTILS_URL}esearch.fcgi", {"db": "pubmed"})
    request.timeout = object()

    assert request.full_url.startswith("http://127.0.0.1:9/replay/esearch.fcgi?")
    assert parse_qs(urlsplit(request.full_url).query)["email"] == ["admin@example.org"]
    assert request.timeout == 12


def test_biopython_does_not_retry_or_sleep_by_itself():
    redirect.install()

    # Our transport owns retries; Biopython's would sleep 15 s per network error on top.
    assert Entrez.max_tries == 1
    assert Entrez.sleep_between_tries == 0
