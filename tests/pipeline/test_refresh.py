"""Refresh jobs end to end in-process, against the replay server over real HTTP."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from eutils_replay import Faults
from papers import refresh
from papers.models import Paper, PaperChange, Reference, RefreshJob
from tests.content_changes import content_version_writes
from tests.factories import planned_pmids, stored_batches

pytestmark = pytest.mark.django_db
KNOWN, UNKNOWN = 990000002, 990000999


def _run(**kwargs) -> RefreshJob:
    job = refresh.create_job(trigger=RefreshJob.Trigger.COMMAND, **kwargs)
    return refresh.run_refresh_job(job_id=job.pk)


def _efetches(server) -> list:
    return [r for r in server.requests if r.endpoint == "efetch"]


def test_importing_pmids_stores_known_ones_and_records_unknown_ones(app_replay):
    job = _run(kind=RefreshJob.Kind.IMPORT, pmids=[KNOWN, UNKNOWN, 990000004])

    assert job.status == RefreshJob.Status.SUCCEEDED
    assert (job.new_count, job.not_found_count, job.failed_count) == (2, 1, 0)
    assert (job.done, job.total) == (3, 3)
    assert job.identifier_errors() == {str(UNKNOWN): "not found in PubMed"}
    assert Paper.objects.get(pmid=KNOWN).title == "A cited paper."
    assert not Paper.objects.filter(pmid=UNKNOWN).exists()
    # Three PMIDs in one request, and the one left out asked for once more before it is
    # called "not found" (an efetch reply may silently omit PMIDs PubMed has).
    assert [r.ids for r in _efetches(app_replay)] == [3, 1]
    assert job.started_at and job.finished_at


def test_importing_dois_resolves_them_and_keeps_dois_pubmed_lacks(app_replay):
    job = _run(kind=RefreshJob.Kind.IMPORT, dois=["doi:10.5555/season.0004", "10.5555/NOPE.1"])

    assert Paper.objects.get(pmid=990000004).doi == "10.5555/SEASON.0004"
    kept = Paper.objects.get(doi="10.5555/NOPE.1")
    assert kept.not_in_pubmed and kept.pmid is None and kept.fetch_state == "not_found"
    assert job.errors == {"10.5555/NOPE.1": "no PubMed record for this DOI"}
    assert (job.new_count, job.not_found_count, job.done, job.total) == (1, 1, 2, 2)


def test_importing_a_review_builds_its_reference_list_and_fetches_the_references(app_replay):
    job = _run(kind=RefreshJob.Kind.IMPORT_REVIEW, pmids=[990000001])

    assert job.status == RefreshJob.Status.SUCCEEDED
    refs = list(Reference.objects.filter(review__pmid=990000001).select_related("paper"))
    assert [r.position for r in refs] == [1, 2, 3]
    assert refs[0].paper.fetch_state == "fetched" and refs[0].paper.title == "A cited paper."
    # The DOI-only reference was looked up; PubMed has no record, so it stays "not in PubMed".
    assert refs[1].paper.not_in_pubmed and refs[1].paper.doi == "10.5555/REF.0003"
    assert refs[2].paper is None and refs[2].citation
    assert Paper.objects.get(pmid=KNOWN).is_retracted


def test_refreshing_twice_changes_nothing_the_second_time(app_replay):
    _run(kind=RefreshJob.Kind.IMPORT, pmids=[KNOWN, 990000004])
    before = dict(Paper.objects.values_list("pmid", "changed_at"))

    job = _run(kind=RefreshJob.Kind.REFRESH, pmids=[KNOWN, 990000004])

    assert (job.unchanged_count, job.changed_count, job.new_count) == (2, 0, 0)
    assert dict(Paper.objects.values_list("pmid", "changed_at")) == before
    assert not PaperChange.objects.exists()


def test_a_server_that_keeps_failing_records_each_pmid_and_loses_nothing(app_replay):
    _run(kind=RefreshJob.Kind.IMPORT, pmids=[KNOWN])
    app_replay.set_faults(Faults(rate_500=1.0))

    job = _run(kind=RefreshJob.Kind.REFRESH, pmids=[KNOWN, 990000004])

    assert job.status == RefreshJob.Status.FAILED
    assert job.failed_count == 2 and set(job.identifier_errors()) == {str(KNOWN), "990000004"}
    assert "500" in job.identifier_errors()[str(KNOWN)]
    kept = Paper.objects.get(pmid=KNOWN)
    assert kept.title == "A cited paper." and kept.fetch_state == "fetched"


def test_a_transient_fault_is_retried_and_the_job_succeeds(app_replay):
    app_replay.set_faults(Faults(fail_first=1, fail_first_with="429"))
    job = _run(kind=RefreshJob.Kind.IMPORT, pmids=[KNOWN])
    assert job.status == RefreshJob.Status.SUCCEEDED and job.new_count == 1
    assert [r.status for r in _efetches(app_replay)] == [429, 200]


def test_a_finished_job_runs_no_more(app_replay):
    job = _run(kind=RefreshJob.Kind.IMPORT, pmids=[KNOWN])
    requests = len(app_replay.requests)
    again = refresh.run_refresh_job(job_id=job.pk)
    assert again.status == job.status and again.done == job.done
    assert len(app_replay.requests) == requests


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing marks the job failed on the way out."""


def test_a_job_resumes_after_the_batches_it_already_stored(app_replay, settings):
    settings.REFRESH_BATCH_SIZE = 1  # three batches of one PMID
    job = refresh.create_job(
        kind=RefreshJob.Kind.IMPORT, trigger="command", pmids=[KNOWN, 990000004, 990000005]
    )

    def killed_after_the_first_batch(current: RefreshJob) -> None:
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        refresh.run_refresh_job(job_id=job.pk, progress=killed_after_the_first_batch)
    killed = RefreshJob.objects.get(pk=job.pk)
    assert killed.status == RefreshJob.Status.RUNNING
    assert stored_batches(killed) == [0] and killed.done == 1
    # Batch 0, and batch 1 fetched ahead while batch 0 was stored.
    assert len(_efetches(app_replay)) == 2

    job = refresh.run_refresh_job(job_id=job.pk)  # the redelivery

    assert job.status == RefreshJob.Status.SUCCEEDED
    assert (job.done, job.total, job.new_count) == (3, 3, 3)
    assert stored_batches(job) == [0, 1, 2]
    # Batch 0 was not fetched again; batch 1 was, as its early copy died with the worker.
    assert [r.ids for r in _efetches(app_replay)] == [1, 1, 1, 1]


@pytest.mark.django_db(transaction=True)
def test_each_stored_batch_changes_the_content_version_once(app_replay, settings):
    with content_version_writes() as writes:
        _run(kind=RefreshJob.Kind.IMPORT, pmids=[990000001, KNOWN])  # one batch of two
    assert len(writes) == 1

    settings.REFRESH_BATCH_SIZE = 1
    with content_version_writes() as writes:
        # Three batches; the last (a PMID PubMed does not know) changes nothing pages show.
        _run(kind=RefreshJob.Kind.IMPORT, pmids=[990000004, 990000005, UNKNOWN])
    assert len(writes) == 2


def test_stale_days_selects_papers_not_fetched_recently(app_replay):
    _run(kind=RefreshJob.Kind.IMPORT, pmids=[KNOWN])
    Paper.objects.create(pmid=990000004, fetch_state="pending")

    job = _run(kind=RefreshJob.Kind.REFRESH, stale_days=1)

    assert planned_pmids(job) == [990000004]
    assert Paper.objects.get(pmid=990000004).fetch_state == "fetched"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["import_pubmed", "--pmid", "12a"], "not a PMID: '12a'"),
        (["import_pubmed", "--pmid", str(KNOWN), "0"], "not a PMID: '0'"),
        (["import_pubmed", "--doi", "hello"], "not a DOI: 'hello'"),
        (["import_pubmed"], "no PMIDs or DOIs given"),
        (["refresh_pubmed", "--pmid", "PMID31649335"], "not a PMID: 'PMID31649335'"),
    ],
)
def test_bad_identifiers_are_refused_before_any_job_exists(app_replay, command, message):
    with pytest.raises(CommandError, match=message):
        call_command(*command)

    assert not RefreshJob.objects.exists()
    assert app_replay.requests == []


def test_import_command_prints_a_summary(app_replay, capsys):
    call_command("import_pubmed", "--pmid", str(KNOWN), str(UNKNOWN))
    out = capsys.readouterr()
    assert "succeeded: 1 new, 0 changed, 0 unchanged, 1 not found, 0 failed (2/2)" in out.out
    assert f"{UNKNOWN}: not found in PubMed" in out.err


def test_import_command_reads_a_file_and_refuses_a_broken_one(tmp_path, capsys):
    from tests.pipeline.conftest import PUBMED_FIXTURES

    call_command("import_pubmed", "--file", str(PUBMED_FIXTURES / "rich_set.xml"))
    assert "rich_set.xml: 4 new" in capsys.readouterr().out
    broken = tmp_path / "broken.xml"
    broken.write_bytes((PUBMED_FIXTURES / "rich_set.xml").read_bytes()[:3000])
    with pytest.raises(
        CommandError, match=r"1 of 1 files failed.*: broken.xml: malformed or truncated XML"
    ):
        call_command("import_pubmed", "--file", str(broken))
    assert Paper.objects.count() == 4


def test_refresh_command_all(app_replay, capsys):
    _run(kind=RefreshJob.Kind.IMPORT, pmids=[KNOWN, 990000004])
    call_command("refresh_pubmed", "--all")
    assert "0 new, 0 changed, 2 unchanged" in capsys.readouterr().out


def test_the_weekly_refresh_queues_one_job_per_week_however_often_beat_fires(
    django_capture_on_commit_callbacks,
):
    from papers.tasks import refresh_all_papers

    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = refresh_all_papers()
        again = refresh_all_papers()  # a redelivered or doubled beat message

    job = RefreshJob.objects.get()
    assert first == again == job.pk
    assert job.kind == RefreshJob.Kind.REFRESH_ALL and job.trigger == "schedule"
    assert job.identifiers["all"] is True and job.identifiers["scheduled_for"].count("-W") == 1
    assert len(queued) == 1


def test_refreshing_everything_also_looks_up_papers_known_only_by_doi(app_replay):
    Paper.objects.create(doi="10.5555/SEASON.0004", fetch_state="pending")
    Paper.objects.create(doi="10.5555/NOPE.2", fetch_state="pending")

    job = _run(kind=RefreshJob.Kind.REFRESH_ALL, refresh_all=True)

    found = Paper.objects.get(doi__iexact="10.5555/season.0004")
    assert found.pmid == 990000004 and found.fetch_state == "fetched"
    assert Paper.objects.get(doi="10.5555/NOPE.2").not_in_pubmed
    assert job.errors == {"10.5555/NOPE.2": "no PubMed record for this DOI"}
    assert Paper.objects.count() == 2
