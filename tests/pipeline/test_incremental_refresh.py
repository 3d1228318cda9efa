"""A refresh of everything asks PubMed which papers changed (esearch, datetype=mdat) and
fetches only those and the never-fetched ones; the replay server answers such an esearch.

Records are synthetic (benchmarks/pubmed_xml.py, PMIDs from 950,000,000) with a DateRevised
this test chooses, served by the replay server from a directory of this test's own.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from benchmarks.pubmed_xml import DOCTYPE, FIRST_PMID, record
from eutils_replay import Faults, running_replay_server
from papers import refresh
from papers.models import Paper, RefreshJob
from papers.pubmed import config_from_settings, pmids_modified_between
from papers.pubmed.errors import NcbiError
from papers.pubmed.transport import request_xml

pytestmark = pytest.mark.django_db
PMIDS = list(range(FIRST_PMID, FIRST_PMID + 30))
OLD = dt.date(2020, 1, 15)


def _write_fixtures(
    directory: Path, revised: dict[int, dt.date], *, title_suffix: str = ""
) -> None:
    rng = random.Random(3)
    records = []
    for pmid, date in revised.items():
        xml = record(pmid, rng).replace(
            "</PMID><Article",
            f"</PMID><DateRevised><Year>{date.year}</Year><Month>{date.month:02d}</Month>"
            f"<Day>{date.day:02d}</Day></DateRevised><Article",
            1,
        )
        if title_suffix and date != OLD:
            xml = xml.replace("</ArticleTitle>", f" {title_suffix}</ArticleTitle>", 1)
        records.append(xml)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "set.xml").write_text(
        f"{DOCTYPE}<PubmedArticleSet>{''.join(records)}</PubmedArticleSet>", encoding="utf-8"
    )


def _point_at(settings, server) -> None:
    settings.EUTILS_BASE_URL = server.base_url
    settings.NCBI_RATE_LIMIT_KEY = f"irtkb:test:{uuid.uuid4().hex}"
    settings.NCBI_MAX_ATTEMPTS = 2
    settings.NCBI_BACKOFF_BASE_SECONDS = 0.01


def _run(kind: str, **selection) -> RefreshJob:
    job = refresh.create_job(kind=kind, trigger=RefreshJob.Trigger.COMMAND, **selection)
    return refresh.run_refresh_job(job_id=job.pk)


def _refresh_all() -> RefreshJob:
    return _run(RefreshJob.Kind.REFRESH_ALL, refresh_all=True)


def test_the_replay_server_answers_a_modification_date_esearch(tmp_path, settings):
    revised = {pmid: OLD for pmid in PMIDS[:5]} | {PMIDS[5]: dt.date(2024, 3, 31)}
    _write_fixtures(tmp_path, revised)
    with running_replay_server(tmp_path) as server:
        _point_at(settings, server)
        changed = pmids_modified_between(
            pmids=PMIDS[:6], mindate=dt.date(2024, 3, 1), maxdate=dt.date(2024, 4, 1)
        )
        assert changed == [PMIDS[5]]
        both = pmids_modified_between(
            pmids=PMIDS[:6], mindate=dt.date(2020, 1, 15), maxdate=dt.date(2024, 3, 31)
        )
        assert sorted(both) == PMIDS[:6]  # both ends of the range count
        search = [r for r in server.requests if r.endpoint == "esearch"][-1]
        assert f"{PMIDS[0]}[uid] OR {PMIDS[1]}[uid]" in (search.term or "")
        with pytest.raises(NcbiError, match="datetype=mdat only, not pdat"):
            request_xml(
                "esearch",
                params={
                    "db": "pubmed",
                    "term": f"{PMIDS[0]}[uid]",
                    "datetype": "pdat",
                    "mindate": "2020",
                    "maxdate": "2024",
                },
                identifiers=["pdat"],
                expect_root="eSearchResult",
                config=config_from_settings(),
            )


def test_a_refresh_of_everything_fetches_only_changed_and_never_fetched_papers(tmp_path, settings):
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    _write_fixtures(first_dir, {pmid: OLD for pmid in PMIDS})
    with running_replay_server(first_dir) as server:
        _point_at(settings, server)
        _run(RefreshJob.Kind.IMPORT, pmids=PMIDS[:25])
        first = _refresh_all()  # no successful refresh before it: everything is fetched
        assert first.status == RefreshJob.Status.SUCCEEDED and first.unchanged_count == 25
        assert not [r for r in server.requests if r.endpoint == "esearch"]
    Paper.objects.create(pmid=PMIDS[27])  # known, never fetched (a reference, say)

    changed = PMIDS[3:6]
    today = timezone.localdate()
    _write_fixtures(
        second_dir,
        {pmid: today if pmid in changed else OLD for pmid in PMIDS},
        title_suffix="(revised)",
    )
    with running_replay_server(second_dir) as server:
        _point_at(settings, server)
        second = _refresh_all()

        searches = [r for r in server.requests if r.endpoint == "esearch"]
        fetched = sum(r.ids for r in server.requests if r.endpoint == "efetch")
    assert second.status == RefreshJob.Status.SUCCEEDED
    assert len(searches) == 1  # 25 stored PMIDs: one "which changed?" question
    assert fetched == len(changed) + 1
    # The placeholder row counts as changed: its record arrives for the first time.
    assert second.total == 4 and second.changed_count == 4 and second.new_count == 0
    for pmid in changed:
        assert Paper.objects.get(pmid=pmid).title.endswith("(revised)")
    assert not Paper.objects.get(pmid=PMIDS[0]).title.endswith("(revised)")
    assert Paper.objects.get(pmid=PMIDS[27]).fetch_state == Paper.FetchState.FETCHED


def test_when_the_modification_check_fails_everything_is_fetched(tmp_path, settings):
    _write_fixtures(tmp_path, {pmid: OLD for pmid in PMIDS[:10]})
    with running_replay_server(tmp_path) as server:
        _point_at(settings, server)
        _run(RefreshJob.Kind.IMPORT, pmids=PMIDS[:10])
        assert _refresh_all().status == RefreshJob.Status.SUCCEEDED
        # Both attempts of the next esearch fail: nothing may be missed, so all are fetched.
        server.set_faults(Faults(fail_first=2))
        job = _refresh_all()
        fetched = sum(r.ids for r in server.requests if r.endpoint == "efetch" and r.status == 200)
    assert job.status == RefreshJob.Status.SUCCEEDED and job.total == 10
    assert fetched == 10 + 10 + 10  # the import, the first refresh, this refresh
