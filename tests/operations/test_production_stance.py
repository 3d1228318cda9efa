"""The production stance: CSP and Permissions-Policy on every response, no inline scripts or
styles, a weak SECRET_KEY refused, the page cache keyed only on what a view reads, JSON logs
and Sentry only when asked."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests import factories
from tests.web.conftest import make_paper

BASE_DIR = Path(__file__).resolve().parents[2]
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


def _policy(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/search/?q=x", "/api/v1/", "/admin/login/", "/no-such-page/", "/healthz"]
)
def test_every_response_carries_csp_and_permissions_policy(client, path):
    response = client.get(path)

    policy = _policy(response["Content-Security-Policy"])
    for directive, value in EXPECTED_CSP.items():
        assert policy[directive] == value, (path, directive)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)


def test_no_template_has_an_inline_script_or_style():
    offenders = []
    for template in (BASE_DIR / "templates").rglob("*.html"):
        text = template.read_text()
        if INLINE_SCRIPT.search(text) or re.search(r"<style|\sstyle=", text, re.I):
            offenders.append(str(template.relative_to(BASE_DIR)))
    assert offenders == []


@pytest.mark.django_db
def test_rendered_public_pages_have_no_inline_script_or_style(client, kb):
    therapy = kb.therapies[0]
    for url in ["/", therapy.get_absolute_url(), kb.cited[0].get_absolute_url(), "/review/"]:
        html = client.get(url, follow=True).content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not re.search(r"<style|\sstyle=", html, re.I), url


@pytest.fixture
def kb(db):
    from tests.web.conftest import build_knowledge_base

    return build_knowledge_base(papers=6, therapies=1)


def _settings_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return {**env, "DJANGO_SETTINGS_MODULE": "irtkb.settings", **overrides}


def _load_settings(env: dict[str, str], code: str = "print('loaded')"):
    program = f"import django; from django.conf import settings; django.setup(); {code}"
    return subprocess.run(
        [sys.executable, "-c", program],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("change-me", "the placeholder 'change-me'"),
        ("django-insecure-" + "x1y2z3" * 10, "one Django made for development"),
        (secrets.token_urlsafe(20), "too short"),
        ("ab" * 40, "too uniform"),
    ],
)
def test_a_weak_secret_key_is_refused_when_debug_is_off(key, reason):
    result = _load_settings(_settings_env(SECRET_KEY=key, DEBUG="0"))

    assert result.returncode != 0
    assert f"SECRET_KEY is {reason}" in result.stderr
    assert key not in result.stderr or key == "change-me"  # a real key is never echoed


def test_a_strong_key_is_accepted_and_debug_allows_any():
    assert _load_settings(_settings_env(SECRET_KEY=secrets.token_urlsafe(50))).returncode == 0
    assert _load_settings(_settings_env(SECRET_KEY="change-me", DEBUG="1")).returncode == 0


@pytest.mark.django_db
def test_unknown_query_parameters_share_the_page_and_never_reach_it(client):
    assert client.get("/").get("X-Page-Cache") == "miss"
    junk = client.get("/", {"utm_source": "junk-value", "x": "1"})

    assert junk["X-Page-Cache"] == "hit"  # the same entry as "/"
    assert "junk-value" not in junk.content.decode()


@pytest.mark.django_db
def test_parameters_a_view_reads_are_kept_in_the_key(client):
    therapy = factories.TherapyFactory()
    factories.EvidenceNoteFactory(
        therapy=therapy,
        papers=[make_paper(pub_year=2010, authors=1, mesh=0), make_paper(pub_year=2011)],
    )
    url = reverse("papers:therapy-papers", args=[therapy.slug])

    assert client.get(url, {"year": 2011})["X-Page-Cache"] == "miss"
    again = client.get(url, {"junk": "1", "year": 2011})
    assert again["X-Page-Cache"] == "hit"
    assert "1 paper<" in again.content.decode()
    assert client.get(url)["X-Page-Cache"] == "miss"  # no year: another page


def test_page_cache_is_bounded_and_apart_from_the_broker(settings):
    pages = settings.CACHES["pages"]
    if settings.CACHE_URL:
        assert pages["LOCATION"] != settings.CELERY_BROKER_URL
    else:
        assert pages["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
        assert pages["OPTIONS"]["MAX_ENTRIES"] > 0


def test_json_logs_give_one_line_per_request():
    code = "from django.test import Client; Client().get('/robots.txt', HTTP_HOST='testserver')"
    env = _settings_env(
        SECRET_KEY=secrets.token_urlsafe(50), LOG_FORMAT="json", ALLOWED_HOSTS="testserver"
    )
    result = _load_settings(env, code)

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    [request] = [line for line in lines if line.get("logger") == "irtkb.request"]
    assert request["method"] == "GET" and request["path"] == "/robots.txt"
    assert request["status"] == 200 and request["level"] == "INFO"
    assert isinstance(request["duration_ms"], float)


def test_sentry_starts_only_when_a_dsn_is_set():
    code = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    key = secrets.token_urlsafe(50)
    without = _load_settings(_settings_env(SECRET_KEY=key), code)
    with_dsn = _load_settings(
        _settings_env(SECRET_KEY=key, SENTRY_DSN="https://public@127.0.0.1:9/1"), code
    )

    assert without.stdout.strip() == "False"
    assert with_dsn.stdout.strip() == "True", with_dsn.stderr


def test_the_container_runs_unprivileged_behind_a_tls_proxy():
    import yaml

    dockerfile = (BASE_DIR / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")

    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    published = {name: s.get("ports", []) for name, s in services.items() if s.get("ports")}
    assert published == {"proxy": ["80:80", "443:443"]}  # gunicorn only behind the proxy
    assert services["proxy"]["image"].startswith("caddy")
    assert "reverse_proxy web:8000" in (BASE_DIR / "deploy" / "Caddyfile").read_text()
    web_env = services["web"]["environment"]
    assert web_env["SECURE_PROXY_SSL_HEADER"] == "HTTP_X_FORWARDED_PROTO,https"
    assert web_env["CACHE_URL"] != web_env["REDIS_URL"]
    assert "--maxmemory-policy allkeys-lru" in services["cache"]["command"]


def test_the_fallback_csp_for_django_5_2_writes_the_same_policy(rf, settings):
    from django.http import HttpResponse

    from irtkb.deploy import FallbackCSPMiddleware

    response = FallbackCSPMiddleware(lambda request: HttpResponse("x"))(rf.get("/"))

    assert _policy(response["Content-Security-Policy"]) == {
        directive: " ".join(values) for directive, values in settings.SECURE_CSP.items()
    }
