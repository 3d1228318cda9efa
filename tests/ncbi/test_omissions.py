"""An efetch reply that silently leaves out PMIDs: the client asks again before "not found"."""

from __future__ import annotations

import pytest

from eutils_replay import Faults
from papers.pubmed import fetch_batch_xml, fetch_records, read_fetched_xml, split_batches
from tests.ncbi.conftest import SYNTHETIC_PMIDS, make_config

pytestmark = pytest.mark.django_db


def _efetches(server) -> list:
    return [r for r in server.requests if r.endpoint == "efetch"]


def test_the_pmids_a_reply_left_out_are_asked_for_again(synthetic_replay, rate_key):
    synthetic_replay.set_faults(Faults(fail_first=1, fail_first_with="omit", seed=3))
    batch = SYNTHETIC_PMIDS[:20]

    fetched = fetch_records(pmids=batch, config=make_config(synthetic_replay, rate_key))

    first, second = _efetches(synthetic_replay)
    assert first.fault == "omit" and 1 <= len(first.omitted) <= 10
    assert second.ids == len(first.omitted) and second.fault is None  # only the missing ones
    assert sorted(r.pmid for r in fetched.records) == batch
    assert fetched.missing_pmids == () and not fetched.failures
    assert fetched.attempts == 2


def test_pmids_pubmed_lacks_cost_one_more_request_and_are_not_found(synthetic_replay, rate_key):
    unknown = [990000777, 990000778]
    batch = [*SYNTHETIC_PMIDS[:5], *unknown]

    fetched = fetch_records(pmids=batch, config=make_config(synthetic_replay, rate_key))

    assert [r.ids for r in _efetches(synthetic_replay)] == [7, 2]
    assert fetched.missing_pmids == tuple(unknown) and len(fetched.records) == 5


def test_fetched_replies_handed_on_as_bytes_read_the_same(synthetic_replay, rate_key):
    """What a fetch worker sends the store worker reads into the same records."""
    synthetic_replay.set_faults(Faults(fail_first=1, fail_first_with="omit", seed=5))
    config = make_config(synthetic_replay, rate_key)
    batch = SYNTHETIC_PMIDS[:30]

    handed_on = fetch_batch_xml(pmids=batch, config=config)
    read = read_fetched_xml(handed_on)

    assert len(handed_on.documents) == 2 and not handed_on.retryable
    assert sorted(r.pmid for r in read.records) == batch
    direct = fetch_records(pmids=batch, config=config)
    assert sorted(read.records, key=lambda r: r.pmid) == sorted(
        direct.records, key=lambda r: r.pmid
    )


def test_a_damaged_handed_on_reply_fails_its_pmids_in_words(synthetic_replay, rate_key):
    handed_on = fetch_batch_xml(
        pmids=SYNTHETIC_PMIDS[:3], config=make_config(synthetic_replay, rate_key)
    )
    damaged = type(handed_on)(pmids=handed_on.pmids, documents=(b"<PubmedArticleSet><Pub",))

    read = read_fetched_xml(damaged)

    assert set(read.failures) == set(SYNTHETIC_PMIDS[:3]) and not read.records
    assert "unreadable after it was received" in read.failures[SYNTHETIC_PMIDS[0]]


def test_a_whole_failed_request_is_marked_retryable(synthetic_replay, rate_key):
    synthetic_replay.set_faults(Faults(rate_500=1.0))
    config = make_config(synthetic_replay, rate_key, max_attempts=2)

    handed_on = fetch_batch_xml(pmids=SYNTHETIC_PMIDS[:3], config=config)

    assert handed_on.retryable and "500" in handed_on.reason and not handed_on.documents


def test_under_thirty_percent_mixed_faults_no_pmid_is_lost(synthetic_replay, rate_key):
    """The issue's run lost 40 of 5,000 PMIDs this way; every one is accounted for now."""
    synthetic_replay.set_faults(
        Faults(rate_omit=0.15, rate_429=0.05, rate_500=0.05, rate_truncated=0.05, seed=11)
    )
    config = make_config(synthetic_replay, rate_key, max_attempts=8)
    stored: list[int] = []
    for batch in split_batches(SYNTHETIC_PMIDS, size=50):
        fetched = fetch_records(pmids=batch, config=config)
        assert not fetched.failures and not fetched.missing_pmids, fetched.failures
        stored += [r.pmid for r in fetched.records]

    assert sorted(stored) == SYNTHETIC_PMIDS  # all 450, none twice
    omissions = [r for r in synthetic_replay.requests if r.fault == "omit"]
    assert omissions and sum(len(r.omitted) for r in omissions) >= len(omissions)
