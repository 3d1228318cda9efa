"""A replay server on synthetic, dated records, and the app pointed at it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from eutils_replay import running_replay_server
from papers.models import Therapy, WatchedSearch
from papers.pubmed.ratelimit import redis_client
from tests.intake.synthetic import FIRST_PMID, record, write_records
from tests.worker.conftest import workers  # noqa: F401 (a fixture for the worker test)

# Five alemtuzumab papers entering PubMed over a month, one rituximab paper, one off-topic.
JAN = dt.date(2024, 1, 1)
ALEMTUZUMAB_DAYS = [dt.date(2024, 1, d) for d in (3, 5, 10, 20, 28)]
ALEMTUZUMAB_PMIDS = [FIRST_PMID + i for i in range(len(ALEMTUZUMAB_DAYS))]
RITUXIMAB_PMID = FIRST_PMID + 10
OFF_TOPIC_PMID = FIRST_PMID + 11


@pytest.fixture(scope="session")
def intake_dir(tmp_path_factory):
    records = [
        record(
            pmid,
            title="Lymphocyte recovery after alemtuzumab in multiple sclerosis",
            entrez=day,
            abstract="We followed patients with relapsing <i>multiple sclerosis</i>.",
        )
        for pmid, day in zip(ALEMTUZUMAB_PMIDS, ALEMTUZUMAB_DAYS, strict=True)
    ]
    records.append(
        record(RITUXIMAB_PMID, title="Rituximab in multiple sclerosis", entrez=dt.date(2024, 1, 4))
    )
    records.append(
        record(OFF_TOPIC_PMID, title="Alemtuzumab in leukaemia", entrez=dt.date(2024, 1, 4))
    )
    return write_records(tmp_path_factory.mktemp("intake"), records)


def point_app_at(settings, server, key: str) -> None:
    """Point both seams (NCBI, Crossref) at a replay server, with fast retries and a rate
    limit of this test's own."""
    settings.EUTILS_BASE_URL = server.base_url
    settings.CROSSREF_BASE_URL = server.crossref_base_url
    settings.CROSSREF_RATE_LIMIT_KEY = f"test:crossref-rate:{key}"
    settings.CROSSREF_REQUESTS_PER_SECOND = 50
    settings.NCBI_RATE_LIMIT_KEY = f"test:ncbi-rate:{key}"
    settings.NCBI_API_KEY = "replay-test-key"
    settings.NCBI_MAX_ATTEMPTS = 2
    settings.NCBI_BACKOFF_BASE_SECONDS = 0.01
    settings.NCBI_TIMEOUT_SECONDS = 2


@pytest.fixture
def rate_key(settings):
    key = uuid.uuid4().hex
    yield key
    redis_client(settings.REDIS_URL).delete(f"test:crossref-rate:{key}", f"test:ncbi-rate:{key}")


@pytest.fixture
def intake_replay(intake_dir, settings, rate_key):
    """Run the replay server on the intake records and point the app at it."""
    with running_replay_server(intake_dir) as server:
        point_app_at(settings, server, rate_key)
        yield server


@pytest.fixture
def alemtuzumab(db) -> Therapy:
    return Therapy.objects.create(
        name="Alemtuzumab",
        slug="alemtuzumab",
        drug_class="monoclonal antibody",
        molecular_target="CD52",
        mechanism="depletes CD52-bearing lymphocytes",
        regimen=Therapy.Regimen.PULSED,
        irt_standing=Therapy.IrtStanding.PROTOTYPE,
        approval_status="approved",
    )


@pytest.fixture
def watched(alemtuzumab) -> WatchedSearch:
    return WatchedSearch.objects.create(
        therapy=alemtuzumab,
        name="alemtuzumab-ms",
        query='alemtuzumab AND "multiple sclerosis"',
        start_date=JAN,
    )
