"""Django settings for irtkb, driven by environment variables (see .env.example)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from irtkb import embedded
from irtkb.deploy import CSP_MIDDLEWARE, MAKE_SECRET_KEY, secret_key_weakness
from irtkb.env import (
    database_settings,
    env_bool,
    env_email_url,
    env_float,
    env_int,
    env_list,
    env_pair,
    env_str,
    env_url,
)
from irtkb.queues import job_queue_names

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    # Only a development server ever sees this key: DEBUG must be on to reach this line.
    SECRET_KEY = "insecure-development-only-key"
elif not DEBUG and (weakness := secret_key_weakness(SECRET_KEY)):
    raise ImproperlyConfigured(f"SECRET_KEY is {weakness}; make one with {MAKE_SECRET_KEY}.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "simple_history",
    "django_celery_beat",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's files, served from our own static files (nothing from another host).
    "drf_spectacular_sidecar",
    "papers",
    "curation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (Django's own where it has one) and Permissions-Policy.
    *CSP_MIDDLEWARE,
    "irtkb.deploy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

# Every response: scripts, styles, images, fonts and requests from this host only; no inline
# scripts or styles (templates/ and static/ have none), no plugins, no framing. data: images
# are Swagger UI's icons, inlined in its stylesheet.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features no page uses, turned off for this site and anything it might embed.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

ROOT_URLCONF = "irtkb.urls"
WSGI_APPLICATION = "irtkb.wsgi.application"
ASGI_APPLICATION = "irtkb.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database and Redis: DATABASE_URL / REDIS_URL ------------------------------------------
# Settings only read addresses; they start nothing. With a variable unset, manage.py, make run
# and the test session start the embedded server (irtkb/embedded.py) and export its URL before
# this module loads; any other process falls back to where the embedded server lives, so it
# reaches one already running and otherwise fails to connect, naming var/.
DATABASE_URL = env_url("DATABASE_URL", schemes=("postgres", "postgresql")) or (
    embedded.postgres_url()
)
DATABASES = {"default": database_settings(DATABASE_URL, conn_max_age=60)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "redis+socket", "unix")) or (
    embedded.redis_url()
)

# Caches never share the broker's memory with anything a stranger can make grow. CACHE_URL
# names a Redis of its own, which the operator runs with maxmemory and an evicting policy
# (compose: `--maxmemory 256mb --maxmemory-policy allkeys-lru`). Without it, the whole-page
# cache (papers/cache.py) is each process's own memory, bounded to PAGE_CACHE_ENTRIES pages
# and culled (a page is at most 1 MB), and the default cache, which holds only the API
# throttle's small expiring counters, stays in REDIS_URL. Celery spells a socket
# "redis+socket://"; redis-py "unix://".
CACHE_URL = env_url("CACHE_URL", schemes=("redis", "rediss", "redis+socket", "unix"))
_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": _REDIS_CACHE,
        "LOCATION": (CACHE_URL or REDIS_URL).replace("redis+socket://", "unix://", 1),
    },
    "pages": {
        "BACKEND": _REDIS_CACHE,
        "LOCATION": CACHE_URL.replace("redis+socket://", "unix://", 1),
    }
    if CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "irtkb-pages",
        "OPTIONS": {
            "MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 300, minimum=1),
            "CULL_FREQUENCY": 3,
        },
    },
}

# --- Celery (read by irtkb/celery.py with namespace="CELERY") ------------------------------
CELERY_BROKER_URL = REDIS_URL
# No result backend: a job's outcome is its RefreshJob row, and nothing reads Celery's results.
# A task is acknowledged only after it finishes: a worker killed mid-batch leaves the message
# in Redis to be redelivered, and our tasks are idempotent so running one twice is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per process, so acks_late does not strand prefetched work on a dead worker.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker that dies outright (machine gone) has its message redelivered after the visibility
# timeout; a killed pool process's at once (reject on worker lost). Each message is one short
# step (plan a job, fetch or store one batch: seconds), so ten minutes is ample and keeps a
# dead machine's batch from waiting an hour.
# Socket timeouts: a Redis that accepts connections but never answers (frozen, swapped out)
# would otherwise hang whoever queues a job (`import_pubmed --queue` waited 863 s); they stay
# above the worker's 1-second BRPOP poll.
BROKER_SOCKET_TIMEOUT = env_int("CELERY_BROKER_SOCKET_TIMEOUT", 5, minimum=2)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600, minimum=1),
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The queue refresh jobs are planned on (tests use a queue of their own), and the queues their
# batches are fetched from E-utilities and stored on: "<REFRESH_QUEUE>.fetch" and ".store"
# unless named here (papers.tasks.fetch_queue / store_queue).
REFRESH_QUEUE = env_str("REFRESH_QUEUE", "celery")
PUBMED_FETCH_QUEUE = env_str("PUBMED_FETCH_QUEUE")
STORE_QUEUE = env_str("STORE_QUEUE")
# The first pause before a batch whose whole efetch failed is fetched again (doubled each time).
FETCH_RETRY_SECONDS = env_int("FETCH_RETRY_SECONDS", 30, minimum=0)
# What a worker started without -Q listens on: the default queue (other tasks) and a job's three.
CELERY_TASK_QUEUES = [
    Queue(name)
    for name in dict.fromkeys(
        ["celery", *job_queue_names(REFRESH_QUEUE, PUBMED_FETCH_QUEUE, STORE_QUEUE)]
    )
]
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Fail fast when Redis is down instead of blocking a web request for the default ~minute;
# the caller records the failure on the job row.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.3}
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2, minimum=1)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into django-celery-beat's tables, where admins can change or pause it.
CELERY_BEAT_SCHEDULE = {
    "refresh-all-papers-weekly": {
        "task": "papers.tasks.refresh_all_papers",
        "schedule": crontab(minute=0, hour=3, day_of_week="sunday"),
    },
    # A dated release of the open data (papers/releases/) on the 2nd of each month; a second
    # run on the same day finds the release made and does nothing.
    # Watched PubMed searches (papers/intake/): new papers into the curators' inbox, Mondays,
    # after the Sunday refresh.
    "watch-literature-weekly": {
        "task": "papers.intake.tasks.watch_literature",
        "schedule": crontab(minute=0, hour=4, day_of_week="monday"),
    },
    "make-release-monthly": {
        "task": "papers.releases.tasks.make_monthly_release",
        "schedule": crontab(minute=0, hour=6, day_of_month="2"),
    },
}
CELERY_TIMEZONE = "UTC"

# --- NCBI E-utilities -----------------------------------------------------------------------
NCBI_EMAIL = env_str("NCBI_EMAIL", "irtkb@example.org")
NCBI_API_KEY = env_str("NCBI_API_KEY")
NCBI_TOOL = env_str("NCBI_TOOL", "irtkb")
# Where E-utilities live; point it at `python -m eutils_replay` to work offline.
EUTILS_BASE_URL = env_url("EUTILS_BASE_URL", schemes=("http", "https")) or (
    "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
)
NCBI_TIMEOUT_SECONDS = env_int("NCBI_TIMEOUT_SECONDS", 30, minimum=1)
# Requests per E-utilities call before its error is recorded, and the first backoff pause
# (doubled per attempt, capped at 30 s, with jitter).
NCBI_MAX_ATTEMPTS = env_int("NCBI_MAX_ATTEMPTS", 5, minimum=1)
NCBI_BACKOFF_BASE_SECONDS = env_float("NCBI_BACKOFF_BASE_SECONDS", 1.0, minimum=0.0)
# The Redis key of the shared request budget: every process using it shares NCBI's limit.
NCBI_RATE_LIMIT_KEY = env_str("NCBI_RATE_LIMIT_KEY", "irtkb:ncbi:rate")
# The Redis holding that budget: the broker's unless named (all processes must share one).
NCBI_RATE_LIMIT_REDIS_URL = env_str("NCBI_RATE_LIMIT_REDIS_URL")
# PMIDs per efetch request; NCBI asks for POST beyond ~200, and a batch is one transaction.
REFRESH_BATCH_SIZE = env_int("REFRESH_BATCH_SIZE", 200, minimum=1, maximum=200)
# --- Crossref REST API (papers/crossref/): metadata for DOIs PubMed does not know ---------------
# Point it at the replay server's /crossref/ to work offline.
CROSSREF_BASE_URL = env_url("CROSSREF_BASE_URL", schemes=("http", "https")) or (
    "https://api.crossref.org/"
)
# Off: DOIs PubMed lacks stay stubs marked "not in PubMed", as before Crossref was asked.
CROSSREF_ENABLED = env_bool("CROSSREF_ENABLED", True)
# Crossref's "polite pool" address (sent as mailto= and in the User-Agent).
CROSSREF_MAILTO = env_str("CROSSREF_MAILTO", NCBI_EMAIL)
CROSSREF_RATE_LIMIT_KEY = env_str("CROSSREF_RATE_LIMIT_KEY", "irtkb:crossref:rate")
CROSSREF_REQUESTS_PER_SECOND = env_int("CROSSREF_REQUESTS_PER_SECOND", 5, minimum=1, maximum=50)
# Ids one esearch hands out (NCBI's cap is 10,000); a watched search's window with more hits
# is split in halves (papers/pubmed/search.py). Lower only to exercise the splitting.
PUBMED_ESEARCH_LIMIT = env_int("PUBMED_ESEARCH_LIMIT", 10_000, minimum=1, maximum=10_000)

# --- Auth, i18n, static ----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names in production; plain storage under DEBUG so no collectstatic is needed.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# --- JSON API (papers/api/) -------------------------------------------------------------------
# Read-only; staff reach the refresh jobs with their site session. Every list is cursor-paged
# (stable under inserts, no COUNT), and anonymous clients are throttled per address in Redis
# (the default cache), so every web process shares one count.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "papers.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["papers.api.throttling.AnonymousRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "papers.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "papers.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per address for anonymous clients: "<n>/<second|minute|hour|day>".
API_ANON_THROTTLE_RATE = env_str("API_ANON_THROTTLE_RATE", "120/minute")
if not re.fullmatch(r"[1-9][0-9]*/(second|minute|hour|day)", API_ANON_THROTTLE_RATE):
    raise ImproperlyConfigured(
        f"API_ANON_THROTTLE_RATE={API_ANON_THROTTLE_RATE!r} must look like 120/minute "
        "(a positive number, then second, minute, hour or day)."
    )
SPECTACULAR_SETTINGS = {
    "TITLE": "irtkb API",
    "DESCRIPTION": (
        "Read-only JSON API of irtkb, a literature knowledge base on immune reconstitution "
        "therapies for multiple sclerosis. Curated content is CC BY 4.0; PubMed metadata is "
        "provided under NLM's terms. See docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EvidenceStatusEnum": "papers.models.evidence.EvidenceNote.Status",
        "RefreshJobStatusEnum": "papers.models.jobs.RefreshJob.Status",
        "FetchStateEnum": "papers.models.bibliography.Paper.FetchState",
        "ReconstitutionStatisticEnum": "papers.models.therapy.Statistic",
    },
}
# Where absolute links in releases point (the API uses the request's own host instead), e.g.
# https://irtkb.example.org; empty gives site-relative links.
SITE_URL = env_str("SITE_URL").rstrip("/")
# Dated releases (manage.py make_release) and the /downloads/ page read them from here.
RELEASES_DIR = Path(env_str("IRTKB_RELEASES_DIR") or embedded.VAR_DIR / "releases")

# LOG_FORMAT=json: one JSON object a line (python-json-logger), with one line per request
# from irtkb.request_log (method, path, status, duration, user); plain text otherwise.
LOG_FORMAT = env_str("LOG_FORMAT", "text").lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"}
        | ({"formatter": "json"} if LOG_FORMAT == "json" else {})
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    # pgserver logs every handle it opens and closes, some of it at interpreter exit.
    "loggers": {"pgserver": {"level": "WARNING"}},
}
if LOG_FORMAT == "json":
    MIDDLEWARE.insert(0, "irtkb.request_log.RequestLogMiddleware")

# Errors to Sentry only when SENTRY_DSN is set; nothing is sent otherwise.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0.0),
    )

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Accounts: logins, roles, throttled logins, sessions, e-mail (accounts/) -----------------
# Kept in one block so it can move as a whole; reads nothing but environment variables.
INSTALLED_APPS += ["axes", "accounts"]
# Last, as django-axes asks: it turns a login refused during a lockout into the lockout page.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
# Axes first: a locked-out username+address is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "papers:home"
LOGOUT_REDIRECT_URL = "papers:home"

# Failed logins, site and admin alike, counted per username and client address in PostgreSQL
# (axes' database handler, so every web process sees the same counts).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
# The client address is REMOTE_ADDR: behind a proxy that would be the proxy's, so a proxy
# setup must also tell axes which header to trust (AXES_IPWARE_* with django-ipware).

# Readers' sessions last two weeks; staff's end sooner (accounts/sessions.py).
SESSION_COOKIE_AGE = env_int("SESSION_SECONDS", 14 * 24 * 60 * 60, minimum=60)
STAFF_SESSION_SECONDS = env_int("STAFF_SESSION_SECONDS", 8 * 60 * 60, minimum=60)
if STAFF_SESSION_SECONDS > SESSION_COOKIE_AGE:
    raise ImproperlyConfigured(
        f"STAFF_SESSION_SECONDS={STAFF_SESSION_SECONDS} must not exceed "
        f"SESSION_SECONDS={SESSION_COOKIE_AGE}."
    )

# Password-reset mail. Development (DEBUG) and a server without EMAIL_URL print mail to the
# log instead of sending it; EMAIL_BACKEND overrides either.
_smtp = env_email_url("EMAIL_URL")
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or not _smtp
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = _smtp.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _smtp.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _smtp.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _smtp.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _smtp.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _smtp.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "irtkb <noreply@localhost>")
EMAIL_TIMEOUT = 10

# --- HTTPS: redirect, HSTS, the proxy's scheme header (production turns them on) ------------
# Off unless asked: tests (DEBUG off, plain http through the test client), `make run` and the
# compose file speak plain HTTP, and HSTS sent from a host without a working certificate locks
# browsers out for SECURE_HSTS_SECONDS. `make check` turns them all on for `check --deploy`.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# "HEADER,value" as Django spells it (HTTP_X_FORWARDED_PROTO,https): set it only behind a proxy
# that overwrites that header, or any client can claim its request came over HTTPS.
SECURE_PROXY_SSL_HEADER = env_pair("SECURE_PROXY_SSL_HEADER")
