"""Every endpoint's records, filters and pagination, through HTTP."""

from __future__ import annotations

import datetime as dt

from papers.models import RefreshJob
from tests import factories
from tests.api.conftest import make_paper


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def _walk(api, path: str, **params) -> list[dict]:
    """Return every record of a list, following ``next`` cursors."""
    rows: list[dict] = []
    response = api(path, **params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        response = api(body["next"])


def test_therapies_list_their_trials_and_reconstitution_points_with_paper_identifiers(api, corpus):
    response = api("therapies/")

    assert response.status_code == 200
    therapies = response.json()["results"]
    assert [t["slug"] for t in therapies] == ["alemtuzumab", "cladribine"]
    alemtuzumab = therapies[0]
    assert alemtuzumab["url"] == "http://testserver/therapies/alemtuzumab/"
    assert alemtuzumab["api_url"] == "http://testserver/api/v1/therapies/alemtuzumab/"
    trial = alemtuzumab["pivotal_trials"][0]
    assert trial["name"] == "TRIAL-A"
    assert trial["paper"]["pmid"] == corpus.trial.pmid
    assert trial["paper"]["doi"] == "10.9999/Trial.2012"
    assert trial["paper"]["title"] == "Alemtuzumab versus interferon beta 1a, a phase 3 trial"
    assert trial["paper"]["url"].startswith(f"http://testserver/papers/{corpus.trial.pk}/")
    point = alemtuzumab["reconstitution_points"][0]
    assert point["cell_population"] == "CD19+ B cells"
    assert point["recovery_months_min"] == 6.0
    assert point["source"]["pmid"] == corpus.point_source.pmid
    assert alemtuzumab["papers_url"] == "http://testserver/api/v1/papers/?therapy=alemtuzumab"


def test_a_therapy_is_found_by_its_slug_and_an_unknown_slug_is_a_json_404(api, corpus):
    assert api("therapies/cladribine/").json()["name"] == "Cladribine"

    missing = api("therapies/no-such-therapy/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No Therapy matches the given query."}


def test_a_path_no_route_matches_under_the_api_is_a_json_404(api, db):
    response = api("/api/v1/therapies/with/slashes/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_therapies_filter_by_regimen(api, corpus):
    corpus.cladribine.regimen = "continuous"
    corpus.cladribine.save()

    assert [t["slug"] for t in api("therapies/", regimen="continuous").json()["results"]] == [
        "cladribine"
    ]


def test_evidence_items_are_the_published_ones_with_their_citations(api, corpus):
    response = api("evidence-items/")

    items = response.json()["results"]
    assert [item["id"] for item in items] == [corpus.notes[0].pk, corpus.notes[1].pk]
    first = items[0]
    assert first["therapy"]["slug"] == "alemtuzumab"
    assert first["statement"] == "B cells **repopulate** within a year."
    assert first["statement_html"] == "<p>B cells <strong>repopulate</strong> within a year.</p>\n"
    assert first["url"] == f"http://testserver/notes/{corpus.notes[0].pk}/"
    assert [c["paper"]["pmid"] for c in first["citations"]] == [
        corpus.cited[0].pmid,
        corpus.cited[1].pmid,
    ]


def test_a_draft_evidence_item_is_not_found(api, corpus):
    assert api(f"evidence-items/{corpus.notes[2].pk}/").status_code == 404


def test_evidence_items_filter_by_therapy_type_review_flag_and_cited_pmid(api, corpus):
    first, flagged = corpus.notes[0].pk, corpus.notes[1].pk

    assert _ids(api("evidence-items/", therapy="cladribine")) == [flagged]
    assert _ids(api("evidence-items/", note_type="safety")) == [flagged]
    assert _ids(api("evidence-items/", needs_review="true")) == [flagged]
    assert _ids(api("evidence-items/", pmid=corpus.cited[1].pmid)) == [first]
    assert _ids(api("evidence-items/", updated_since="2100-01-01T00:00:00Z")) == []


def test_an_invalid_filter_value_is_a_400_naming_the_parameter(api, corpus):
    response = api("evidence-items/", therapy="no-such-therapy", note_type="opinion")

    assert response.status_code == 400
    assert set(response.json()) == {"therapy", "note_type"}


def test_papers_filter_by_each_identifier(api, corpus):
    trial = corpus.trial.pk

    assert _ids(api("papers/", pmid=corpus.trial.pmid)) == [trial]
    assert _ids(api("papers/", doi="https://doi.org/10.9999/trial.2012")) == [trial]
    assert _ids(api("papers/", doi="doi:10.9999/TRIAL.2012")) == [trial]
    assert _ids(api("papers/", pmcid="pmc9900001")) == [trial]
    assert _ids(api("papers/", pmcid="9900001")) == [trial]
    assert _ids(api("papers/", pmid=1)) == []


def test_papers_filter_by_therapy_as_the_therapy_pages_do(api, corpus):
    tied = {corpus.trial.pk, corpus.point_source.pk, corpus.cited[0].pk, corpus.cited[1].pk}

    assert set(_ids(api("papers/", therapy="alemtuzumab"))) == tied
    # The draft's paper is not tied to cladribine; the published note's retracted one is.
    assert _ids(api("papers/", therapy="cladribine")) == [corpus.retracted.pk]


def test_papers_filter_by_year_range_publication_type_and_retraction(api, corpus):
    assert set(_ids(api("papers/", year_from=2016, year_to=2017))) == {
        corpus.cited[1].pk,
        corpus.cited[2].pk,
    }
    assert _ids(api("papers/", year=2001)) == [corpus.untied.pk]
    assert _ids(api("papers/", publication_type="Randomized Controlled Trial")) == [corpus.trial.pk]
    assert _ids(api("papers/", retracted="true")) == [corpus.retracted.pk]
    assert corpus.retracted.pk not in _ids(api("papers/", retracted="false"))
    assert api("papers/", year_from="nineteen").status_code == 400
    assert api("papers/", pmid=2**70).status_code == 400


def test_a_paper_record_has_its_abstract_mesh_and_corrections(api, corpus):
    body = api(f"papers/{corpus.retracted.pk}/").json()

    assert body["pmid"] == corpus.retracted.pmid
    assert body["is_retracted"] is True
    assert body["abstract"][0]["text"] == "B cells repopulate after therapy."
    assert body["mesh_headings"][0]["major_topic"] is True
    assert body["comments_corrections"][0]["kind"] == "RetractionIn"
    assert len(body["authors"]) == 2
    assert body["pubmed_url"] == f"https://pubmed.ncbi.nlm.nih.gov/{corpus.retracted.pmid}/"


def test_a_paper_list_row_leaves_out_the_abstract(api, corpus):
    row = api("papers/", pmid=corpus.trial.pmid).json()["results"][0]

    assert "abstract" not in row
    assert row["title_html"] == "Alemtuzumab versus interferon beta 1a, a <i>phase 3</i> trial"


def test_a_cursor_walks_every_paper_once_even_while_papers_are_added(api, corpus):
    first_page = api("papers/", page_size=2).json()
    new = make_paper(pub_year=2024)

    rows = first_page["results"] + _walk(api, first_page["next"])

    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == 8
    assert ids == sorted(ids)
    assert ids[-1] == new.pk


def test_previous_cursors_lead_back_and_a_forged_cursor_is_a_404(api, corpus):
    second = api(api("papers/", page_size=3).json()["next"]).json()

    back = api(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == _ids(api("papers/", page_size=3))
    assert api("papers/", cursor="not-a-cursor").status_code == 404


def test_the_page_size_is_capped(api, corpus):
    for n in range(5):
        make_paper(pub_year=2000 + n)

    assert len(api("papers/", page_size=10_000).json()["results"]) == 12


def test_the_change_log_lists_newest_first_and_filters_by_pmid_field_and_time(api, corpus):
    old = factories.PaperChangeFactory(paper=corpus.trial, field="title")
    new = factories.PaperChangeFactory(paper=corpus.untied, field="volume", new_value="13")

    assert _ids(api("changes/")) == [new.pk, old.pk]
    assert _ids(api("changes/", pmid=corpus.untied.pmid)) == [new.pk]
    assert _ids(api("changes/", field="title")) == [old.pk]
    assert _ids(api("changes/", since="2100-01-01T00:00:00Z")) == []
    assert _ids(api("changes/", until="2100-01-01T00:00:00Z")) == [new.pk, old.pk]
    row = api(f"changes/{new.pk}/").json()
    assert row["paper"]["pmid"] == corpus.untied.pmid
    assert row["new_value"] == "13"


def test_search_uses_the_search_pages_query_language_and_filters(api, corpus):
    from papers.search.index import update_search_vectors

    update_search_vectors(paper_ids=[corpus.trial.pk, corpus.untied.pk])

    found = api("search/", q="interferon")
    assert found.status_code == 200, found.content
    body = found.json()
    assert [row["id"] for row in body["results"]] == [corpus.trial.pk]
    assert body["count"] == 1
    assert body["count_is_capped"] is False
    assert _ids(api("search/", q="interferon", therapy="cladribine")) == []
    assert _ids(api("search/", q="-interferon", year_to=2005)) == [corpus.untied.pk]


def test_search_pages_through_results_with_a_cursor(api, corpus):
    rows = _walk(api, "search/", year_from=1990, sort="newest", page_size=3)

    assert len(rows) == 7
    years = [row["year"] for row in rows]
    assert years == sorted(years, reverse=True)


def test_search_without_criteria_or_with_bad_filters_is_a_400(api, corpus):
    empty = api("search/")
    assert empty.status_code == 400
    assert "Give a query" in empty.json()["q"][0]

    bad = api("search/", year_from=2020, year_to=2010, therapy="nope")
    assert bad.status_code == 400
    assert set(bad.json()) == {"year_to", "therapy"}


def test_refresh_jobs_are_for_staff_only(client, api, corpus):
    job = RefreshJob.objects.create(kind="refresh", trigger="command", status="succeeded")

    assert api("refresh-jobs/").status_code == 403
    client.force_login(factories.UserFactory(username="curator"))
    assert api("refresh-jobs/").status_code == 403
    assert api(f"refresh-jobs/{job.pk}/").status_code == 403

    client.force_login(factories.UserFactory(username="admin", is_staff=True))
    assert _ids(api("refresh-jobs/")) == [job.pk]
    assert _ids(api("refresh-jobs/", status="failed")) == []
    assert api(f"refresh-jobs/{job.pk}/").json()["status"] == "succeeded"


def test_the_api_root_lists_the_endpoints(api, db):
    body = api("/api/v1/").json()

    assert body["papers"] == "http://testserver/api/v1/papers/"
    assert {"therapies", "evidence-items", "changes", "refresh-jobs"} <= set(body)


def test_timestamps_are_iso_8601(api, corpus):
    row = api("evidence-items/").json()["results"][0]

    assert dt.datetime.fromisoformat(row["updated_at"]).tzinfo is not None
