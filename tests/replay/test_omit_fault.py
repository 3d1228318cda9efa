"""The omit fault: efetch answers HTTP 200 with a valid set that silently lacks some records."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

import pytest
from lxml import etree

from eutils_replay import Faults, running_replay_server
from eutils_replay.cli import build_parser
from eutils_replay.faults import FaultPlan
from tests.ncbi.synthetic import FIRST_SYNTHETIC_PMID, write_synthetic_pubmed

PMIDS = list(range(FIRST_SYNTHETIC_PMID, FIRST_SYNTHETIC_PMID + 20))


@pytest.fixture(scope="module")
def fixtures_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("omit")
    write_synthetic_pubmed(directory, PMIDS, per_file=7)
    return directory


def efetch(server, pmids: list[int]) -> dict[int, bytes]:
    """POST one efetch as Bio.Entrez does; return each served record's bytes by PMID."""
    form = urlencode({"db": "pubmed", "retmode": "xml", "id": ",".join(map(str, pmids))})
    request = urllib.request.Request(f"{server.base_url}efetch.fcgi", data=form.encode())
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert reply.status == 200
        root = etree.fromstring(reply.read())  # well-formed, or this raises
    assert root.tag == "PubmedArticleSet"
    return {
        int(article.findtext("MedlineCitation/PMID", default="")): etree.tostring(article)
        for article in root.iterfind("PubmedArticle")
    }


def test_an_omitting_reply_is_a_valid_set_missing_one_to_half_of_the_records(fixtures_dir):
    faults = Faults(fail_first=1, fail_first_with="omit", seed=11)
    with running_replay_server(fixtures_dir, faults=faults) as server:
        omitting = efetch(server, PMIDS)
        whole = efetch(server, PMIDS)

    first, second = server.requests
    missing = sorted(set(PMIDS) - set(omitting))
    assert 1 <= len(missing) <= len(PMIDS) // 2
    assert (first.fault, first.ids, list(first.omitted)) == ("omit", 20, missing)
    # The records it did serve are exactly those of an unfaulted reply, byte for byte.
    assert omitting == {pmid: whole[pmid] for pmid in PMIDS if pmid not in missing}
    assert sorted(whole) == PMIDS
    assert (second.fault, second.omitted) == (None, ())


def test_omissions_are_reproducible_with_a_seed(fixtures_dir):
    def omissions(seed: int) -> list[tuple[int, ...]]:
        with running_replay_server(fixtures_dir, faults=Faults(rate_omit=0.5, seed=seed)) as s:
            for start in range(0, 20, 4):
                efetch(s, PMIDS[start:] + PMIDS[:start])
            return [r.omitted for r in s.requests]

    first = omissions(3)

    assert first == omissions(3)
    assert first != omissions(4)
    assert any(first) and not all(first)  # rate 0.5 over 5 requests, seed 3: some of each


@pytest.mark.parametrize("count", [2, 3, 4, 5, 10, 101, 500])
def test_an_omission_leaves_out_at_least_one_and_at_most_half(count):
    plan = FaultPlan(Faults(rate_omit=1.0, seed=count))
    pmids = list(range(1, count + 1))

    chosen = [plan.choose_omitted(pmids) for _ in range(200)]

    assert all(1 <= len(left_out) <= count // 2 for left_out in chosen)
    assert all(set(left_out) <= set(pmids) for left_out in chosen)
    if count >= 4:  # the number varies, not always one
        assert len({len(left_out) for left_out in chosen}) > 1


def test_omit_does_nothing_outside_efetch_nor_to_a_single_record(fixtures_dir):
    # esearch and a one-record efetch cannot show an omission: they are served whole, logged
    # without a fault, and only efetch counts towards "the first N".
    faults = Faults(fail_first=2, fail_first_with="omit", seed=1)
    with running_replay_server(fixtures_dir, faults=faults) as server:
        search = f"{server.base_url}esearch.fcgi?db=pubmed&term={PMIDS[0]}"
        with urllib.request.urlopen(search, timeout=5) as reply:
            found = etree.fromstring(reply.read()).xpath("IdList/Id/text()")
        single = efetch(server, PMIDS[:1])
        omitting = efetch(server, PMIDS)
        whole = efetch(server, PMIDS)

    assert found == [str(PMIDS[0])]
    assert list(single) == PMIDS[:1]
    assert len(omitting) < len(PMIDS) == len(whole)
    assert [(r.endpoint, r.fault) for r in server.requests] == [
        ("esearch", None),
        ("efetch", None),
        ("efetch", "omit"),
        ("efetch", None),
    ]


def test_the_json_lines_log_names_the_omitted_pmids(fixtures_dir, tmp_path):
    log_path = tmp_path / "requests.jsonl"
    faults = Faults(fail_first=1, fail_first_with="omit", seed=5)
    with running_replay_server(fixtures_dir, faults=faults, log_path=log_path) as server:
        served = efetch(server, PMIDS)

    (line,) = [json.loads(text) for text in log_path.read_text().splitlines()]
    assert line["fault"] == "omit"
    assert sorted(line["omitted"] + list(served)) == PMIDS


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"rate_omit": 1.5}, "within 0..1"),
        ({"rate_omit": -0.1}, "within 0..1"),
        ({"rate_omit": 0.6, "rate_500": 0.6}, "more than 1"),
    ],
)
def test_it_refuses_impossible_omit_rates(faults, message):
    with pytest.raises(ValueError, match=message):
        Faults(**faults)


def test_the_command_line_takes_an_omit_rate_and_omit_as_fail_first_kind(capsys):
    options = build_parser().parse_args(
        ["--fixtures", "x", "--rate-omit", "0.25", "--fail-first-with", "omit"]
    )

    assert (options.rate_omit, options.fail_first_with) == (0.25, "omit")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--fixtures", "x", "--rate-omit", "2"])
    assert "invalid probability value: '2'" in capsys.readouterr().err
