"""Related papers through elink: fetched by a task, cached, shown with whether irtkb has them."""

from __future__ import annotations

from pathlib import Path

import pytest

from eutils_replay import Faults, running_replay_server
from papers.models import RelatedPapers
from papers.pubmed.links import related_pmids
from papers.related import claim_fetch, fetch_related
from tests.factories import PaperFactory
from tests.intake.conftest import point_app_at
from tests.worker.conftest import wait_for

# 99000001 cites 99000002 and 99000003 (tests/fixtures/eutils/README.md): synthetic records.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eutils" / "synthetic"


@pytest.fixture
def replay(settings, rate_key):
    with running_replay_server(FIXTURES) as server:
        point_app_at(settings, server, rate_key)
        yield server


def test_elink_gives_citing_and_similar_pmids(replay):
    found = related_pmids(pmid=99000002)

    assert found.cited_by == (99000001,)
    assert set(found.similar) == {99000001, 99000003}  # the replay server's word overlap
    names = [r for r in replay.requests if r.endpoint == "elink"]
    assert len(names) == 2


@pytest.mark.django_db
def test_related_papers_are_cached_and_shown_with_whether_irtkb_has_them(replay, client):
    paper = PaperFactory(pmid=99000002)
    citing = PaperFactory(pmid=99000001, title="The citing paper held in irtkb")
    assert claim_fetch(paper, None)
    assert not claim_fetch(paper, None)  # a second page view at once queues nothing
    assert not claim_fetch(paper, RelatedPapers.objects.get(paper=paper))  # nor within the hour

    row = fetch_related(paper_id=paper.pk)

    assert (row.cited_by, row.error) == ([99000001], "")
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Cited by" in page and "The citing paper held in irtkb" in page
    assert "in irtkb" in page and citing.get_absolute_url() in page
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/99000003/"' in page  # similar, not held
    assert "not in irtkb" in page
    assert not claim_fetch(paper, RelatedPapers.objects.get(paper=paper))  # fresh: no refetch


@pytest.mark.django_db
def test_an_elink_failure_is_stored_and_the_page_says_so_without_detail(replay, client):
    paper = PaperFactory(pmid=99000002)
    replay.set_faults(Faults(rate_500=1.0))

    row = fetch_related(paper_id=paper.pk)

    assert "HTTP 500" in row.error and "[identifiers: 99000002]" in row.error
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "could not be fetched just now" in page
    assert "HTTP 500" not in page  # no internal error text on public pages


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_viewing_a_paper_queues_the_fetch_to_a_worker(replay, workers, client):
    workers.start("related", EUTILS_BASE_URL=replay.base_url, NCBI_API_KEY="replay-key")
    paper = PaperFactory(pmid=99000002)

    client.get(paper.get_absolute_url())

    row = wait_for(
        lambda: RelatedPapers.objects.filter(paper=paper, fetched_at__isnull=False).first(),
        timeout=60,
        what="the worker to fetch the related papers",
    )
    assert row.cited_by == [99000001], workers.log("related")
    assert "Cited by" in client.get(paper.get_absolute_url()).content.decode()
