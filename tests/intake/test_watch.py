"""Watched searches against the replay server: windows, splitting, faults, the command."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.management import CommandError, call_command

from eutils_replay import Faults
from papers import refresh
from papers.intake.watch import run_watched_search
from papers.models import IntakeItem, Paper, RefreshJob, WatchedSearch, WatchRun
from papers.pubmed import SearchTooBroadError, search_pubmed
from tests.intake.conftest import ALEMTUZUMAB_PMIDS, JAN, OFF_TOPIC_PMID, RITUXIMAB_PMID

pytestmark = pytest.mark.django_db(transaction=True)  # jobs are queued on commit


def _run(search, today, **kw) -> WatchRun:
    return run_watched_search(search, trigger=RefreshJob.Trigger.COMMAND, today=today, **kw)


def test_two_runs_bring_only_the_papers_new_in_each_window(intake_replay, watched):
    first = _run(watched, dt.date(2024, 1, 9))

    assert first.status == WatchRun.Status.SUCCEEDED
    assert (first.mindate, first.maxdate) == (JAN, dt.date(2024, 1, 9))
    assert first.hits == 2 and first.new_count == 2
    assert sorted(first.job.pmids) == ALEMTUZUMAB_PMIDS[:2]
    # Neither the rituximab paper nor the leukaemia one matches the query.
    assert not Paper.objects.filter(pmid__in=[RITUXIMAB_PMID, OFF_TOPIC_PMID]).exists()

    second = _run(watched, dt.date(2024, 1, 31))

    assert (second.mindate, second.maxdate) == (dt.date(2024, 1, 9), dt.date(2024, 1, 31))
    assert second.hits == 3 and second.new_count == 3
    assert sorted(second.job.pmids) == ALEMTUZUMAB_PMIDS[2:]
    assert IntakeItem.objects.filter(search=watched).count() == 5
    # Each esearch used the history server.
    searches = [r for r in intake_replay.requests if r.endpoint == "esearch"]
    assert searches and all(w["webenv"].startswith("MCID_") for w in second.windows)


def test_the_import_job_fetches_the_new_papers_for_the_inbox(intake_replay, watched):
    run = _run(watched, dt.date(2024, 1, 31))
    placeholders = Paper.objects.filter(pmid__in=ALEMTUZUMAB_PMIDS)
    assert {p.fetch_state for p in placeholders} == {Paper.FetchState.PENDING}

    job = refresh.run_refresh_job(job_id=run.job.pk)

    assert job.status == RefreshJob.Status.SUCCEEDED and job.done == 5
    assert {p.fetch_state for p in placeholders.all()} == {Paper.FetchState.FETCHED}
    titles = Paper.objects.filter(pmid__in=ALEMTUZUMAB_PMIDS).values_list("title", flat=True)
    assert all(t.startswith("Lymphocyte recovery after alemtuzumab") for t in titles)


def test_a_window_past_the_esearch_limit_is_split_and_nothing_is_truncated(
    intake_replay, watched, settings
):
    settings.PUBMED_ESEARCH_LIMIT = 2

    run = _run(watched, dt.date(2024, 1, 31))

    assert run.hits == 5 and sorted(run.job.pmids) == ALEMTUZUMAB_PMIDS
    assert len(run.windows) > 1
    assert all(w["count"] <= 2 for w in run.windows)
    # The parts tile the window: no gap, no overlap.
    days = [
        (dt.date.fromisoformat(w["mindate"]), dt.date.fromisoformat(w["maxdate"]))
        for w in run.windows
    ]
    assert days[0][0] == JAN and days[-1][1] == dt.date(2024, 1, 31)
    assert all(b[0] - a[1] == dt.timedelta(days=1) for a, b in itertools.pairwise(days))


def test_one_day_past_the_limit_fails_the_run_instead_of_truncating(intake_replay, settings):
    from papers.pubmed import config_from_settings

    with pytest.raises(SearchTooBroadError, match="more than esearch's 1"):
        search_pubmed(
            query="synthetic record",  # both papers of 4 January
            mindate=dt.date(2024, 1, 4),
            maxdate=dt.date(2024, 1, 4),
            limit=1,
            config=config_from_settings(),
        )


def test_a_failing_esearch_is_recorded_and_the_next_run_searches_the_same_window(
    intake_replay, watched
):
    intake_replay.set_faults(Faults(rate_500=1.0))

    failed = _run(watched, dt.date(2024, 1, 31))

    assert failed.status == WatchRun.Status.FAILED
    assert "HTTP 500" in failed.errors["_search"] and "after 2 attempts" in failed.errors["_search"]
    assert not IntakeItem.objects.exists() and not RefreshJob.objects.exists()

    intake_replay.set_faults(Faults())
    retried = _run(watched, dt.date(2024, 1, 31))
    assert retried.mindate == JAN and retried.hits == 5


@pytest.mark.parametrize("fault", ["429", "truncated"])
def test_transient_faults_are_retried_within_a_run(intake_replay, watched, fault):
    intake_replay.set_faults(Faults(fail_first=1, fail_first_with=fault))

    run = _run(watched, dt.date(2024, 1, 31))

    assert run.status == WatchRun.Status.SUCCEEDED and run.hits == 5


def test_papers_already_tied_to_the_therapy_or_in_the_inbox_are_not_added_again(
    intake_replay, watched
):
    from tests.factories import PaperFactory, PivotalTrialFactory

    pivotal = PaperFactory(pmid=ALEMTUZUMAB_PMIDS[0])
    PivotalTrialFactory(therapy=watched.therapy, paper=pivotal)
    first = _run(watched, dt.date(2024, 1, 31))
    assert first.hits == 5 and first.new_count == 4
    assert not IntakeItem.objects.filter(paper=pivotal).exists()
    twin = WatchedSearch.objects.create(
        therapy=watched.therapy, name="twin", query=watched.query, start_date=JAN
    )

    again = _run(twin, dt.date(2024, 1, 31))

    assert again.hits == 5 and again.new_count == 0 and again.job is None
    assert IntakeItem.objects.count() == 4
    assert set(IntakeItem.objects.values_list("search", flat=True)) == {watched.pk}


def test_the_command_runs_a_named_search_and_refuses_unknown_names(intake_replay, watched, capsys):
    call_command("watch_literature", "--search", "alemtuzumab-ms")

    out = capsys.readouterr().out
    assert out.startswith("alemtuzumab-ms: 2024-01-01..")
    assert WatchRun.objects.get().trigger == RefreshJob.Trigger.COMMAND
    with pytest.raises(CommandError, match="no watched search named nope"):
        call_command("watch_literature", "--search", "nope")


def test_the_command_fails_loudly_when_a_search_fails(intake_replay, watched):
    intake_replay.set_faults(Faults(rate_500=1.0))

    with pytest.raises(CommandError, match="1 of 1 watched searches failed"):
        call_command("watch_literature")
