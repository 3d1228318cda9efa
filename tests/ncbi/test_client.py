"""The PubMed seam against the replay server: batching, parsed records, DOIs, every fault."""

from __future__ import annotations

import math
import pickle
import socket

import pytest
from django.conf import settings

from eutils_replay import Faults, running_replay_server
from papers.pubmed import (
    BATCH_SIZE,
    InvalidIdentifierError,
    NcbiConfig,
    TransientNcbiError,
    fetch_records,
    parse_pmid,
    pmids_for_doi,
    split_batches,
)
from papers.pubmed.transport import backoff_seconds
from tests.ncbi.conftest import SYNTHETIC_PMIDS, make_config
from tests.ncbi.synthetic import synthetic_record

REVIEW_PMID = 31649335
REVIEW_DOI = "10.1038/s41582-019-0268-z"


def efetches(server):
    return [r for r in server.requests if r.endpoint == "efetch"]


def fetch_all(pmids, config):
    return [fetch_records(pmids=batch, config=config) for batch in split_batches(pmids)]


def test_it_fetches_450_pmids_in_three_requests(synthetic_replay, rate_key):
    config = make_config(synthetic_replay, rate_key)

    batches = fetch_all(SYNTHETIC_PMIDS, config)

    requests = efetches(synthetic_replay)
    assert len(requests) == math.ceil(450 / BATCH_SIZE) == 3
    assert [r.ids for r in requests] == [200, 200, 50]
    # Bio.Entrez switches to POST for 200 ids (or a URL over 1000 characters), as NCBI asks.
    assert [r.method for r in requests] == ["POST", "POST", "GET"]
    assert [len(b.pmids) for b in batches] == [200, 200, 50]
    assert [record.pmid for b in batches for record in b.records] == SYNTHETIC_PMIDS
    assert all(b.attempts == 1 and not b.missing_pmids and not b.failures for b in batches)


def test_a_batch_comes_back_as_parsed_records(replay, config):
    fetched = fetch_records(pmids=[REVIEW_PMID], config=config)

    [record] = fetched.records
    assert record.pmid == REVIEW_PMID
    assert record.doi == REVIEW_DOI
    assert record.title.startswith("Immune reconstitution therapies")
    assert (fetched.missing_pmids, fetched.deleted_pmids, fetched.failures) == ((), (), {})


def test_an_unknown_pmid_is_missing_not_an_error(replay, config):
    fetched = fetch_records(pmids=[99000001, 123, 99000002], config=config)

    assert [r.pmid for r in fetched.records] == [99000001, 99000002]
    assert fetched.missing_pmids == (123,)
    assert fetched.failures == {}


def test_only_unknown_pmids_give_no_records(replay, config):
    fetched = fetch_records(pmids=[123, 456], config=config)

    assert fetched.records == ()
    assert fetched.missing_pmids == (123, 456)
    assert fetched.failures == {}


def test_a_record_that_cannot_be_read_fails_alone(tmp_path, rate_key):
    # PMIDs 99000101/2 (synthetic test range): one good record, one without its Article.
    unreadable = (
        b"<PubmedArticle><MedlineCitation><PMID>99000102</PMID></MedlineCitation></PubmedArticle>"
    )
    (tmp_path / "set.xml").write_bytes(
        b"<PubmedArticleSet>" + synthetic_record(99000101) + unreadable + b"</PubmedArticleSet>"
    )
    with running_replay_server(tmp_path) as server:
        fetched = fetch_records(pmids=[99000101, 99000102], config=make_config(server, rate_key))

    assert [r.pmid for r in fetched.records] == [99000101]
    assert list(fetched.failures) == [99000102]
    assert "without Article" in fetched.failures[99000102]
    assert fetched.missing_pmids == ()


def test_repeated_pmids_are_fetched_once(replay, config):
    fetched = fetch_records(pmids=[99000001, 99000001, 99000002], config=config)

    assert fetched.pmids == (99000001, 99000002)
    assert efetches(replay)[0].ids == 2


@pytest.mark.parametrize(
    ("text", "pmid"), [("31649335", 31649335), (" 123 ", 123), (31649335, 31649335)]
)
def test_parse_pmid_turns_text_into_an_int(text, pmid):
    assert parse_pmid(text) == pmid


@pytest.mark.parametrize(
    "bad", ["12a", "0", "", " ", "-5", "1e3", "١٢٣", "99999999999", 0, -5, 3.0, True, None]
)
def test_parse_pmid_refuses_what_is_not_a_pmid(bad):
    with pytest.raises(InvalidIdentifierError, match="not a PMID"):
        parse_pmid(bad)


def test_a_single_batch_is_limited_to_200(replay, config):
    with pytest.raises(InvalidIdentifierError, match="split them"):
        fetch_records(pmids=list(range(1, 202)), config=config)

    assert replay.requests == []
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


FAULTS_THAT_PASS = ["429", "500", "truncated", "disconnect", "error"]


@pytest.mark.parametrize("kind", FAULTS_THAT_PASS)
def test_it_retries_a_fault_until_the_reply_is_good(replay, config, kind):
    replay.set_faults(Faults(fail_first=2, fail_first_with=kind))

    fetched = fetch_records(pmids=[99000001], config=config)

    assert [r.pmid for r in fetched.records] == [99000001] and fetched.failures == {}
    assert fetched.attempts == 3
    assert [r.fault for r in efetches(replay)] == [kind, kind, None]


def test_it_retries_a_reply_that_times_out(replay, rate_key):
    config = make_config(replay, rate_key, timeout_seconds=0.3)
    replay.set_faults(Faults(fail_first=1, fail_first_with="slow", slow_seconds=2))

    fetched = fetch_records(pmids=[99000001], config=config)

    assert len(fetched.records) == 1 and fetched.attempts == 2
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
def test_after_the_last_try_each_pmid_fails_with_the_reason(replay, rate_key, kind, reason):
    config = make_config(replay, rate_key, timeout_seconds=0.3, max_attempts=3)
    replay.set_faults(Faults(fail_first=3, fail_first_with=kind, slow_seconds=2))

    fetched = fetch_records(pmids=[99000001, 99000002], config=config)

    assert fetched.records == () and fetched.missing_pmids == ()
    assert set(fetched.failures) == {99000001, 99000002}
    message = fetched.failures[99000001]
    assert reason in message
    assert "99000001, 99000002" in message and "after 3 attempts" in message
    assert fetched.attempts == 3
    assert len(efetches(replay)) == 3


def test_a_failed_batch_does_not_stop_the_next(synthetic_replay, rate_key):
    config = make_config(synthetic_replay, rate_key, max_attempts=2)
    synthetic_replay.set_faults(Faults(fail_first=2, fail_first_with="500"))

    batches = fetch_all(SYNTHETIC_PMIDS[:300], config)

    assert set(batches[0].failures) == set(SYNTHETIC_PMIDS[:200])
    assert "HTTP 500" in batches[0].failures[SYNTHETIC_PMIDS[0]]
    assert batches[0].records == () and batches[0].missing_pmids == ()
    assert [r.pmid for r in batches[1].records] == SYNTHETIC_PMIDS[200:300]
    assert batches[1].failures == {}


def test_esearch_error_replies_are_retried_too(replay, config):
    replay.set_faults(Faults(fail_first=1, fail_first_with="error"))

    assert pmids_for_doi(doi=REVIEW_DOI, config=config) == [REVIEW_PMID]
    assert [r.fault for r in replay.requests] == ["error", None]


def test_a_client_error_is_permanent_and_not_retried(replay, rate_key):
    config = make_config(replay, rate_key, base_url=replay.base_url + "wrong/")

    fetched = fetch_records(pmids=[99000001], config=config)

    assert "HTTP 404" in fetched.failures[99000001]
    assert fetched.attempts == 1
    assert [r.status for r in replay.requests] == [404]


def test_a_doi_lookup_that_keeps_failing_raises_a_transient_error(replay, rate_key):
    config = make_config(replay, rate_key, max_attempts=2)
    replay.set_faults(Faults(fail_first=2, fail_first_with="500"))

    with pytest.raises(TransientNcbiError, match="HTTP 500") as raised:
        pmids_for_doi(doi=REVIEW_DOI, config=config)

    assert raised.value.attempts == 2 and REVIEW_DOI in str(raised.value)


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

    fetched = fetch_records(pmids=[99000001], config=config)

    assert "ConnectionRefusedError" in fetched.failures[99000001]
    assert fetched.attempts == 2


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
