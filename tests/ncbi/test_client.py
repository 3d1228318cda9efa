"""The NCBI client against the replay server: batching, DOI lookup, and every fault."""

from __future__ import annotations

import math
import pickle
import socket

import pytest
from django.conf import settings
from lxml import etree

from eutils_replay import Faults
from papers.ncbi import (
    BATCH_SIZE,
    InvalidIdentifierError,
    PermanentNcbiError,
    TransientNcbiError,
    fetch_pubmed_batch,
    fetch_pubmed_xml,
    iter_pubmed_xml,
    pmids_for_doi,
    search_pmids,
    split_batches,
)
from papers.ncbi.config import NcbiConfig
from papers.ncbi.transport import backoff_seconds
from tests.ncbi.conftest import SYNTHETIC_PMIDS, make_config

REVIEW_PMID = 31649335
REVIEW_DOI = "10.1038/s41582-019-0268-z"


def efetches(server):
    return [r for r in server.requests if r.endpoint == "efetch"]


def test_it_fetches_450_pmids_in_three_requests(synthetic_replay, rate_key):
    config = make_config(synthetic_replay, rate_key)

    batches = fetch_pubmed_xml(pmids=SYNTHETIC_PMIDS, config=config)

    requests = efetches(synthetic_replay)
    assert len(requests) == math.ceil(450 / BATCH_SIZE) == 3
    assert [r.ids for r in requests] == [200, 200, 50]
    # Bio.Entrez switches to POST for 200 ids (or a URL over 1000 characters), as NCBI asks.
    assert [r.method for r in requests] == ["POST", "POST", "GET"]
    assert [len(b.pmids) for b in batches] == [200, 200, 50]
    assert [pmid for b in batches for pmid in b.found_pmids] == SYNTHETIC_PMIDS
    assert all(b.ok and b.attempts == 1 and not b.missing_pmids for b in batches)


def test_a_batch_is_raw_pubmed_xml_for_the_parser(replay, config):
    [batch] = fetch_pubmed_xml(pmids=[REVIEW_PMID], config=config)

    root = etree.fromstring(batch.xml)
    assert root.tag == "PubmedArticleSet"
    assert root.findtext("PubmedArticle/MedlineCitation/PMID") == str(REVIEW_PMID)
    assert batch.xml.startswith(b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet')


def test_an_unknown_pmid_is_absent_not_an_error(replay, config):
    [batch] = fetch_pubmed_xml(pmids=[99000001, 123, 99000002], config=config)

    assert batch.ok
    assert batch.found_pmids == (99000001, 99000002)
    assert batch.missing_pmids == (123,)


def test_only_unknown_pmids_give_an_empty_set(replay, config):
    [batch] = fetch_pubmed_xml(pmids=[123, 456], config=config)

    assert batch.ok
    assert batch.found_pmids == ()
    assert batch.missing_pmids == (123, 456)


def test_repeated_pmids_are_fetched_once(replay, config):
    [batch] = fetch_pubmed_xml(pmids=[99000001, 99000001, 99000002], config=config)

    assert batch.pmids == (99000001, 99000002)
    assert efetches(replay)[0].ids == 2


@pytest.mark.parametrize("bad", [0, -5, "31649335", 3.0, True, None])
def test_it_refuses_what_is_not_a_pmid_before_sending_anything(replay, config, bad):
    with pytest.raises(InvalidIdentifierError, match="not a PMID"):
        iter_pubmed_xml(pmids=[99000001, bad], config=config)

    assert replay.requests == []


def test_a_single_batch_is_limited_to_200(replay, config):
    with pytest.raises(InvalidIdentifierError, match="split them"):
        fetch_pubmed_batch(pmids=list(range(1, 202)), config=config)

    assert split_batches(range(1, 402)) == [
        tuple(range(1, 201)),
        tuple(range(201, 401)),
        (401,),
    ]


def test_it_finds_the_pmid_for_a_doi(replay, config):
    assert pmids_for_doi(doi=REVIEW_DOI, config=config) == [REVIEW_PMID]
    assert replay.requests[-1].term == f'"{REVIEW_DOI}"[doi]'


@pytest.mark.parametrize(
    "written",
    [REVIEW_DOI.upper(), f"doi:{REVIEW_DOI}", f"https://doi.org/{REVIEW_DOI}", f" {REVIEW_DOI} "],
)
def test_it_accepts_a_doi_however_it_is_written(replay, config, written):
    assert pmids_for_doi(doi=written, config=config) == [REVIEW_PMID]


def test_a_doi_not_in_pubmed_gives_no_pmids(replay, config):
    assert pmids_for_doi(doi="10.5555/not-in-pubmed", config=config) == []


@pytest.mark.parametrize("bad", ["", "not a doi", "11.1000/x", "10.1000", '10.1/"x"'])
def test_it_refuses_what_is_not_a_doi_before_sending_anything(replay, config, bad):
    with pytest.raises(InvalidIdentifierError, match="not a DOI"):
        pmids_for_doi(doi=bad, config=config)

    assert replay.requests == []


def test_search_returns_the_count_and_one_page(replay, config):
    result = search_pmids(term="99000001 OR 99000002 OR 99000003", retmax=2, config=config)

    assert result.count == 3
    assert result.pmids == [99000003, 99000002]


FAULTS_THAT_PASS = ["429", "500", "truncated", "disconnect", "error"]


@pytest.mark.parametrize("kind", FAULTS_THAT_PASS)
def test_it_retries_a_fault_until_the_reply_is_good(replay, config, kind):
    replay.set_faults(Faults(fail_first=2, fail_first_with=kind))

    [batch] = fetch_pubmed_xml(pmids=[99000001], config=config)

    assert batch.ok
    assert batch.found_pmids == (99000001,)
    assert batch.attempts == 3
    assert [r.fault for r in efetches(replay)] == [kind, kind, None]


def test_it_retries_a_reply_that_times_out(replay, rate_key):
    config = make_config(replay, rate_key, timeout_seconds=0.3)
    replay.set_faults(Faults(fail_first=1, fail_first_with="slow", slow_seconds=2))

    [batch] = fetch_pubmed_xml(pmids=[99000001], config=config)

    assert batch.ok and batch.attempts == 2
    assert [r.fault for r in efetches(replay)] == ["slow", None]


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("429", "HTTP 429"),
        ("500", "HTTP 500"),
        ("slow", "timed out after 0.3 s"),
        ("truncated", "malformed or truncated XML"),
        ("disconnect", "connection closed mid-reply"),
        ("error", "NCBI <ERROR> reply: Search Backend failed"),
    ],
)
def test_after_the_last_try_the_error_names_the_pmids_and_the_reason(
    replay, rate_key, kind, reason
):
    config = make_config(replay, rate_key, timeout_seconds=0.3, max_attempts=3)
    replay.set_faults(Faults(fail_first=3, fail_first_with=kind, slow_seconds=2))

    with pytest.raises(TransientNcbiError) as raised:
        fetch_pubmed_batch(pmids=[99000001, 99000002], config=config)

    error = raised.value
    assert reason in error.reason
    assert error.identifiers == ("99000001", "99000002")
    assert error.attempts == 3
    assert "99000001, 99000002" in str(error) and "after 3 attempts" in str(error)
    assert len(efetches(replay)) == 3


def test_a_failed_batch_does_not_stop_the_others(synthetic_replay, rate_key):
    config = make_config(synthetic_replay, rate_key, max_attempts=2)
    synthetic_replay.set_faults(Faults(fail_first=2, fail_first_with="500"))

    batches = list(iter_pubmed_xml(pmids=SYNTHETIC_PMIDS[:300], config=config))

    assert [b.ok for b in batches] == [False, True]
    assert isinstance(batches[0].error, TransientNcbiError)
    assert batches[0].xml is None and batches[0].missing_pmids == ()
    assert batches[1].found_pmids == tuple(SYNTHETIC_PMIDS[200:300])


def test_esearch_error_replies_are_retried_too(replay, config):
    replay.set_faults(Faults(fail_first=1, fail_first_with="error"))

    assert pmids_for_doi(doi=REVIEW_DOI, config=config) == [REVIEW_PMID]
    assert [r.fault for r in replay.requests] == ["error", None]


def test_a_client_error_is_permanent_and_not_retried(replay, rate_key):
    config = make_config(replay, rate_key, base_url=replay.base_url + "wrong/")

    with pytest.raises(PermanentNcbiError, match="HTTP 404") as raised:
        fetch_pubmed_batch(pmids=[99000001], config=config)

    assert raised.value.attempts == 1
    assert [r.status for r in replay.requests] == [404]


def test_an_unreachable_server_is_a_transient_error(rate_key):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more: every attempt is refused.
    config = NcbiConfig(
        base_url=f"http://127.0.0.1:{port}/entrez/eutils/",
        email="tests@example.org",
        api_key="replay-test-key",
        redis_url=settings.REDIS_URL,
        rate_limit_key=rate_key,
        max_attempts=2,
        backoff_base_seconds=0.01,
    )

    with pytest.raises(TransientNcbiError, match="ConnectionRefusedError") as raised:
        fetch_pubmed_batch(pmids=[99000001], config=config)

    assert raised.value.attempts == 2


def test_errors_survive_pickling_for_celery():
    error = TransientNcbiError("efetch: HTTP 500", identifiers=[1, 2], attempts=5)

    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is TransientNcbiError
    assert (copy.reason, copy.identifiers, copy.attempts) == ("efetch: HTTP 500", ("1", "2"), 5)
    assert str(copy) == str(error)


def test_backoff_grows_exponentially_with_jitter_up_to_a_cap():
    config = NcbiConfig(backoff_base_seconds=1.0, backoff_max_seconds=8.0)

    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 8.0)]:
        delays = {backoff_seconds(attempt, config) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1
