"""The replay server answers like NCBI E-utilities, over real HTTP, and injects faults."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from Bio import Entrez
from lxml import etree

from eutils_replay import Faults, FixtureIndex, running_replay_server
from eutils_replay.faults import FaultPlan
from papers.pubmed import redirect
from tests.ncbi.conftest import FIXTURES_DIR, make_config

REVIEW_PMID = 31649335
REVIEW_DOI = "10.1038/s41582-019-0268-z"
PUBMED_DOCTYPE_250101 = (
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)


def get(server, endpoint: str, **params) -> tuple[int, bytes]:
    url = f"{server.base_url}{endpoint}.fcgi?{urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post(server, endpoint: str, **params) -> bytes:
    request = urllib.request.Request(
        f"{server.base_url}{endpoint}.fcgi", data=urlencode(params).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        return reply.read()


def pmids_in(body: bytes) -> list[int]:
    root = etree.fromstring(body)
    assert root.tag == "PubmedArticleSet"
    return [int(pmid) for pmid in root.xpath("PubmedArticle/MedlineCitation/PMID/text()")]


def test_it_indexes_fixture_files_recursively_by_pmid_and_doi():
    index = FixtureIndex.from_directory(FIXTURES_DIR)

    assert set(index.by_pmid) == {REVIEW_PMID, 99000001, 99000002, 99000003}
    assert index.pmids_for_doi(REVIEW_DOI.upper()) == [REVIEW_PMID]
    # The DOI in 99000001's ReferenceList belongs to the cited paper, not to 99000001.
    assert index.pmids_for_doi("10.5555/irtkb.synthetic.3") == [99000003]
    assert index.by_pmid[99000001].cited_pmids == (99000002, 99000003)


def test_it_skips_files_that_hold_no_pubmed_records(tmp_path):
    (tmp_path / "esearch.xml").write_text("<eSearchResult><Count>0</Count></eSearchResult>")
    (tmp_path / "broken.xml").write_text("<PubmedArticleSet><PubmedArticle>")

    index = FixtureIndex.from_directory(tmp_path)

    assert len(index) == 0
    assert "not <PubmedArticleSet>" in index.skipped[tmp_path / "esearch.xml"]
    assert "not well-formed" in index.skipped[tmp_path / "broken.xml"]


def test_it_refuses_a_missing_fixtures_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="fixtures directory not found"):
        FixtureIndex.from_directory(tmp_path / "nowhere")


def test_efetch_assembles_any_subset_with_the_pubmed_doctype(replay):
    status, body = get(replay, "efetch", db="pubmed", id="99000003,1,31649335", retmode="xml")

    assert status == 200
    assert body.splitlines()[1] == PUBMED_DOCTYPE_250101
    assert pmids_in(body) == [99000003, REVIEW_PMID]
    record = replay.requests[-1]
    assert (record.endpoint, record.method, record.ids, record.status) == ("efetch", "GET", 3, 200)


def test_efetch_of_unknown_pmids_is_an_empty_set_like_ncbi(replay):
    status, body = get(replay, "efetch", db="pubmed", id="1,2", retmode="xml")

    assert status == 200
    assert b"<PubmedArticleSet></PubmedArticleSet>" in body
    assert pmids_in(body) == []


def test_efetch_reply_parses_with_bio_entrez(replay, rate_key):
    with redirect.using(make_config(replay, rate_key)):
        handle = Entrez.efetch(db="pubmed", id="31649335,99000001", retmode="xml")
    record = Entrez.read(handle)
    handle.close()

    pmids = [str(a["MedlineCitation"]["PMID"]) for a in record["PubmedArticle"]]
    assert pmids == ["31649335", "99000001"]


def test_efetch_accepts_form_encoded_post_bodies(replay):
    body = post(replay, "efetch", db="pubmed", id="99000001,99000002", retmode="xml")

    assert pmids_in(body) == [99000001, 99000002]
    assert replay.requests[-1].method == "POST"


def test_esearch_with_history_then_efetch_serves_the_hits_page_by_page(replay, rate_key):
    # Watched searches (issue 12) page through a search's hits from the history server.
    with redirect.using(make_config(replay, rate_key)):
        found = Entrez.read(
            Entrez.esearch(
                db="pubmed", term="99000001 OR 99000002 OR 99000003 OR 5", usehistory="y"
            )
        )
    webenv, query_key = found["WebEnv"], found["QueryKey"]
    assert webenv.startswith("MCID_")
    assert found["Count"] == "3"

    pages = [
        pmids_in(
            get(
                replay,
                "efetch",
                db="pubmed",
                WebEnv=webenv,
                query_key=query_key,
                retstart=start,
                retmax=2,
                retmode="xml",
            )[1]
        )
        for start in (0, 2)
    ]

    assert pages == [[99000003, 99000002], [99000001]]


def test_efetch_with_an_unknown_history_entry_is_an_error_reply(replay):
    status, body = get(replay, "efetch", db="pubmed", WebEnv="MCID_nope", query_key="1")

    assert status == 200
    assert b"<ERROR>Cannot retrieve history data" in body


def test_esearch_finds_a_doi_case_insensitively(replay, rate_key):
    with redirect.using(make_config(replay, rate_key)):
        found = Entrez.read(Entrez.esearch(db="pubmed", term=f'"{REVIEW_DOI.upper()}"[doi]'))

    assert found["Count"] == "1"
    assert found["IdList"] == [str(REVIEW_PMID)]


def test_esearch_finds_plain_pmid_terms_and_skips_unknown_ones(replay, rate_key):
    with redirect.using(make_config(replay, rate_key)):
        found = Entrez.read(
            Entrez.esearch(db="pubmed", term="99000001 OR 99000002[pmid] OR 12", retmax=1)
        )

    assert found["Count"] == "2"
    assert found["IdList"] == ["99000002"]


def test_esearch_without_hits_has_ncbis_no_items_shape(replay, rate_key):
    with redirect.using(make_config(replay, rate_key)):
        found = Entrez.read(Entrez.esearch(db="pubmed", term='"10.5555/unknown"[doi]'))

    assert found["Count"] == "0"
    assert found["IdList"] == []
    assert found["ErrorList"]["PhraseNotFound"] == ["10.5555/unknown"]
    assert found["WarningList"]["OutputMessage"] == ["No items found."]


def test_elink_lists_references_and_citing_papers(replay, rate_key):
    with redirect.using(make_config(replay, rate_key)):
        refs = Entrez.read(
            Entrez.elink(dbfrom="pubmed", db="pubmed", id="99000001", linkname="pubmed_pubmed_refs")
        )
        cited_in = Entrez.read(
            Entrez.elink(
                dbfrom="pubmed", db="pubmed", id="99000002", linkname="pubmed_pubmed_citedin"
            )
        )

    [link_set] = refs[0]["LinkSetDb"]
    assert link_set["LinkName"] == "pubmed_pubmed_refs"
    assert [link["Id"] for link in link_set["Link"]] == ["99000002", "99000003"]
    assert [link["Id"] for link in cited_in[0]["LinkSetDb"][0]["Link"]] == ["99000001"]


def test_bad_parameters_get_ncbis_in_band_error(replay):
    status, body = get(replay, "efetch", db="nothing", id="1")

    assert status == 200
    assert b"<ERROR>Invalid db name specified: nothing</ERROR>" in body


def test_unknown_paths_are_404_and_logged(replay):
    status, _ = get(replay, "esummary", db="pubmed", id="1")

    assert status == 404
    assert replay.requests[-1].status == 404


@pytest.mark.parametrize(
    ("kind", "status", "check"),
    [
        ("429", 429, lambda body: b"rate limit" in body),
        ("500", 500, lambda body: b"Internal Server Error" in body),
        ("error", 200, lambda body: b"<ERROR>" in body and b"eFetchResult" in body),
        ("truncated", 200, lambda body: not body.rstrip().endswith(b"</PubmedArticleSet>")),
    ],
)
def test_it_fails_the_first_n_requests_as_asked(kind, status, check):
    faults = Faults(fail_first=2, fail_first_with=kind)
    with running_replay_server(FIXTURES_DIR, faults=faults) as server:
        replies = [get(server, "efetch", db="pubmed", id="99000001") for _ in range(3)]

    assert [reply[0] for reply in replies] == [status, status, 200]
    assert check(replies[0][1])
    assert pmids_in(replies[2][1]) == [99000001]
    assert [r.fault for r in server.requests] == [kind, kind, None]


def test_a_disconnect_fault_closes_the_connection_mid_body():
    faults = Faults(fail_first=1, fail_first_with="disconnect")
    with (
        running_replay_server(FIXTURES_DIR, faults=faults) as server,
        pytest.raises(http.client.IncompleteRead),
    ):
        get(server, "efetch", db="pubmed", id="99000001")


def test_a_slow_fault_delays_the_reply():
    faults = Faults(fail_first=1, fail_first_with="slow", slow_seconds=0.5)
    with running_replay_server(FIXTURES_DIR, faults=faults) as server:
        started = time.monotonic()
        status, body = get(server, "efetch", db="pubmed", id="99000001")

    assert time.monotonic() - started >= 0.5
    assert (status, pmids_in(body)) == (200, [99000001])


def test_fault_rates_are_reproducible_with_a_seed():
    def draws(seed):
        plan = FaultPlan(Faults(rate_429=0.3, rate_error=0.2, seed=seed))
        return [plan.next_fault() for _ in range(200)]

    first = draws(7)

    assert first == draws(7)
    assert 40 <= first.count("429") <= 80
    assert 20 <= first.count("error") <= 60
    assert first.count(None) > 60


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"rate_500": 1.5}, "within 0..1"),
        ({"rate_429": 0.6, "rate_500": 0.6}, "more than 1"),
        ({"fail_first_with": "teapot"}, "fail_first_with"),
        ({"fail_first": -1}, "fail_first"),
    ],
)
def test_it_refuses_impossible_fault_switches(faults, message):
    with pytest.raises(ValueError, match=message):
        Faults(**faults)


def test_it_writes_the_request_log_as_json_lines(tmp_path):
    log_path = tmp_path / "requests.jsonl"
    with running_replay_server(FIXTURES_DIR, log_path=log_path) as server:
        get(server, "esearch", db="pubmed", term="99000001")
        get(server, "efetch", db="pubmed", id="99000001,99000002")

    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [(e["endpoint"], e["ids"], e["status"]) for e in lines] == [
        ("esearch", 0, 200),
        ("efetch", 2, 200),
    ]
    assert lines[0]["term"] == "99000001"
    assert lines[0]["time"] <= lines[1]["time"]
