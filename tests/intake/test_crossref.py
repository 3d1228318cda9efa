"""DOIs PubMed lacks, described from Crossref through the replay server; PubMed takes over."""

from __future__ import annotations

import datetime as dt

import pytest

from eutils_replay import Faults, running_replay_server
from papers import refresh
from papers.crossref import TransientCrossrefError, fetch_work
from papers.models import CrossrefRecord, Paper, PaperChange, RefreshJob
from tests.intake.conftest import point_app_at
from tests.intake.crossref_fixtures import WORK_DOI, work_reply, write_reply
from tests.intake.synthetic import FIRST_PMID, record, write_records

pytestmark = pytest.mark.django_db
LATER_PMID = FIRST_PMID + 500


@pytest.fixture
def point_at(settings, rate_key):
    """Return a function pointing both seams at a replay server, Crossref switched on."""

    def point(server):
        point_app_at(settings, server, rate_key)
        settings.CROSSREF_ENABLED = True

    return point


@pytest.fixture
def crossref_only(tmp_path):
    """Fixtures where Crossref knows WORK_DOI and PubMed does not."""
    return write_reply(tmp_path / "only", work_reply())


def _import_doi(doi: str = WORK_DOI) -> RefreshJob:
    job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="command", dois=[doi])
    return refresh.run_refresh_job(job_id=job.pk)


def test_a_doi_pubmed_lacks_is_described_from_crossref(crossref_only, point_at, client):
    with running_replay_server(crossref_only) as server:
        point_at(server)
        job = _import_doi()

    assert job.errors == {WORK_DOI: "no PubMed record for this DOI; metadata from Crossref"}
    paper = Paper.objects.get(doi=WORK_DOI)
    assert paper.not_in_pubmed and paper.pmid is None
    assert paper.title.startswith("Immune reconstitution in a test chapter")
    assert (paper.volume, paper.issue, paper.pages) == ("3", "2", "101-118")
    assert (paper.pub_year, paper.pub_month, paper.pub_day) == (2021, 6, 15)
    assert paper.book_title == "A synthetic handbook of test chapters"  # a chapter's container
    authors = [
        (a.author.last_name, a.author.orcid, a.author.collective_name)
        for a in paper.authorships.order_by("position")
    ]
    assert authors == [
        ("Carberry", "0000-0002-1825-0097", ""),
        ("", "", "The Synthetic Study Group"),
    ]
    record_ = CrossrefRecord.objects.get(paper=paper)
    assert record_.work_type == "book-chapter"
    assert record_.licence == "https://creativecommons.org/licenses/by/4.0/"
    assert set(record_.sources.values()) == {"Crossref"}

    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Metadata from Crossref" in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page
    assert "0000-0002-1825-0097" in page


def test_pubmed_takes_over_when_it_later_knows_the_doi(crossref_only, point_at, tmp_path, client):
    with running_replay_server(crossref_only) as server:
        point_at(server)
        _import_doi()
    paper = Paper.objects.get(doi=WORK_DOI)
    later = write_records(
        tmp_path / "later", [record(LATER_PMID, title="Now in PubMed", entrez=paper.pub_date_sort)]
    )
    # PubMed's record carries the DOI the Crossref stub has.
    xml = (later / "intake.xml").read_text().replace(f"10.5555/irtkb.intake.{LATER_PMID}", WORK_DOI)
    (later / "intake.xml").write_text(xml)

    with running_replay_server(later) as server:
        point_at(server)
        job = refresh.run_refresh_job(
            job_id=refresh.create_job(
                kind=RefreshJob.Kind.REFRESH_ALL, trigger="schedule", refresh_all=True
            ).pk
        )

    assert job.status == RefreshJob.Status.SUCCEEDED, job.errors
    paper.refresh_from_db()
    assert paper.pmid == LATER_PMID and not paper.not_in_pubmed
    assert paper.title.startswith("Now in PubMed")
    crossref = CrossrefRecord.objects.get(paper=paper)
    assert crossref.superseded_at is not None and crossref.sources["title"] == "PubMed"
    handover = PaperChange.objects.get(paper=paper, field="metadata source")
    assert handover.old_value == f"Crossref (doi:{WORK_DOI})"
    assert handover.new_value == f"PubMed (PMID {LATER_PMID})"
    assert handover.job == job
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Metadata from Crossref" not in page


def test_crossref_failing_keeps_the_stub_and_names_the_doi(crossref_only, point_at, settings):
    # PubMed from one server, Crossref from another that answers every request with HTTP 500.
    with (
        running_replay_server(crossref_only) as pubmed,
        running_replay_server(crossref_only, faults=Faults(rate_500=1.0)) as crossref,
    ):
        point_at(pubmed)
        settings.CROSSREF_BASE_URL = crossref.crossref_base_url
        job = _import_doi()

    reason = job.errors[WORK_DOI]
    assert reason.startswith("no PubMed record for this DOI; Crossref failed: crossref: HTTP 500")
    assert f"[identifiers: {WORK_DOI}]" in reason and "[after 2 attempts]" in reason
    paper = Paper.objects.get(doi=WORK_DOI)
    assert paper.not_in_pubmed and paper.title == ""
    assert not CrossrefRecord.objects.exists()


@pytest.mark.parametrize("fault", ["429", "500", "truncated", "disconnect"])
def test_one_transient_crossref_fault_is_retried(crossref_only, point_at, fault):
    with running_replay_server(crossref_only) as server:
        point_at(server)
        server.set_faults(Faults(fail_first=1, fail_first_with=fault))
        work = fetch_work(doi=WORK_DOI)
        crossref_requests = [r for r in server.requests if r.endpoint == "crossref"]

    assert work is not None and work.title.startswith("Immune reconstitution")
    assert [r.fault for r in crossref_requests] == [fault, None]


def test_truncated_json_every_time_is_a_clear_error(crossref_only, point_at):
    with running_replay_server(crossref_only, faults=Faults(rate_truncated=1.0)) as server:
        point_at(server)
        with pytest.raises(TransientCrossrefError, match="malformed or truncated JSON"):
            fetch_work(doi=WORK_DOI)


def test_a_doi_crossref_does_not_know_stays_a_stub(crossref_only, point_at):
    with running_replay_server(crossref_only) as server:
        point_at(server)
        job = _import_doi("10.5555/irtkb.crossref.unknown")

    assert job.errors == {"10.5555/irtkb.crossref.unknown": "no PubMed record for this DOI"}
    assert not CrossrefRecord.objects.exists()


def test_a_crossref_retraction_flags_the_paper_and_the_items_citing_it(tmp_path, point_at, client):
    from tests.factories import EvidenceNoteFactory, TherapyFactory
    from tests.intake.crossref_fixtures import retraction_notice

    directory = write_reply(tmp_path / "retracted", work_reply(updated_by=[retraction_notice()]))
    stub = Paper.objects.create(doi=WORK_DOI, fetch_state=Paper.FetchState.PENDING)
    note = EvidenceNoteFactory(therapy=TherapyFactory(), status="published")
    note.papers.add(stub)

    with running_replay_server(directory) as server:
        point_at(server)
        job = _import_doi()

    paper = Paper.objects.get(pk=stub.pk)
    assert paper.is_retracted and not paper.has_erratum
    assert PaperChange.objects.filter(
        paper=paper, field="is_retracted", new_value=True, job=job
    ).exists()
    note.refresh_from_db()
    assert note.needs_review
    assert (
        f"doi:{WORK_DOI}: a cited paper has a retraction (Crossref, Retraction Watch"
        in note.review_reason
    )
    assert "2023-02-01" in note.review_reason
    page = client.get(paper.get_absolute_url()).content.decode()
    assert (
        "Retraction: Crossref (Retraction Watch, "
        "notice doi:10.5555/irtkb.crossref.1.retraction, 2023-02-01)" in page
    )
    assert "disagree" not in page  # PubMed has no record: nothing to disagree with


def test_sources_that_disagree_are_shown_on_the_paper_page_and_the_curator_queue(
    tmp_path, point_at, client
):
    from tests.curation.conftest import client_for, make_groups, make_user
    from tests.intake.crossref_fixtures import retraction_notice

    directory = write_reply(tmp_path / "retracted", work_reply(updated_by=[retraction_notice()]))
    with running_replay_server(directory) as server:
        point_at(server)
        _import_doi()
    # PubMed later takes the DOI over, with no retraction in its CommentsCorrections.
    later = write_records(
        tmp_path / "later",
        [record(LATER_PMID, title="Now in PubMed", entrez=dt.date(2021, 6, 15))],
    )
    xml = (later / "intake.xml").read_text().replace(f"10.5555/irtkb.intake.{LATER_PMID}", WORK_DOI)
    (later / "intake.xml").write_text(xml)
    with running_replay_server(later) as server:
        point_at(server)
        refresh.run_refresh_job(
            job_id=refresh.create_job(
                kind=RefreshJob.Kind.REFRESH_ALL, trigger="schedule", refresh_all=True
            ).pk
        )

    paper = Paper.objects.get(pmid=LATER_PMID)
    assert paper.is_retracted  # a flag once raised stays
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "PubMed and Crossref disagree: Crossref records a retraction; PubMed does not." in page
    curator, _ = make_groups()
    dashboard = client_for(make_user("carol", curator)).get("/curate/").content.decode()
    assert "PubMed and Crossref disagree (1)" in dashboard
    assert "Crossref records a retraction; PubMed does not." in dashboard
