"""The editor: bad input is refused next to its field and nothing typed is lost; the preview,
the paper picker and "add by PMID or DOI"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from papers.models import EvidenceNote, Paper, RefreshJob
from tests.curation.conftest import client_for, item_data
from tests.factories import AuthorshipFactory, PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(people):
    return client_for(people.alice)


def _new(client, data):
    return client.post(reverse("curation:note-new"), data)


def test_the_new_item_form_starts_on_the_therapy_in_the_address(alice, therapy):
    page = alice.get(reverse("curation:note-new") + f"?therapy={therapy.slug}").content.decode()
    assert f'<option value="{therapy.pk}" selected>' in page
    assert "Add by PMID or DOI" in page and "Find a paper in irtkb" in page


def test_an_empty_statement_is_refused_next_to_the_field_keeping_the_rest(alice, therapy, paper):
    data = item_data(
        therapy,
        [paper],
        statement="   ",
        outcome_measure="rate ratio",
        outcome_value="0.45",
        quotes={paper.pk: "B cells returned within 6 months"},
    )
    response = _new(alice, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Write the statement: what the cited papers show." in page
    assert 'value="rate ratio"' in page and 'value="0.45"' in page
    assert "B cells returned within 6 months</textarea>" in page  # the quote is kept
    assert not EvidenceNote.objects.exists()


def test_a_statement_over_5000_characters_is_refused_and_kept_whole(alice, therapy, paper):
    long = "word " * 1000 + "words"  # 5,005 characters
    response = _new(alice, item_data(therapy, [paper], statement=long))
    page = response.content.decode()
    assert "The statement has 5005 characters; the limit is 5000." in page
    assert long in page
    assert "maxlength" not in page.split('name="statement"')[1].split(">")[0]
    assert not EvidenceNote.objects.exists()


def test_windows_line_endings_count_once(alice, therapy, paper):
    text = "a\r\n" * 2000  # 6,000 characters as sent, 4,000 as written
    assert _new(alice, item_data(therapy, [paper], statement=text)).status_code == 302
    assert "\r" not in EvidenceNote.objects.get().statement


def test_a_quote_that_is_not_in_the_abstract_is_refused_under_its_citation(alice, therapy, paper):
    data = item_data(therapy, [paper], quotes={paper.pk: "B cells never returned."})
    page = _new(alice, data).content.decode()
    assert f"This quote is not in the title or abstract of PMID {paper.pmid}" in page
    assert "B cells never returned.</textarea>" in page
    assert not EvidenceNote.objects.exists()


def test_a_quote_matches_across_markup_spacing_and_case_and_records_its_section(
    alice, therapy, paper
):
    # The abstract has "CD4<sup>+</sup> T cells returned to baseline   after 36 months".
    data = item_data(therapy, [paper], quotes={paper.pk: "cd4+ T cells returned to baseline after"})
    assert _new(alice, data).status_code == 302
    citation = EvidenceNote.objects.get().citations.get()
    assert (citation.quote, citation.quote_section) == (
        "cd4+ T cells returned to baseline after",
        "RESULTS",
    )


def test_a_quote_from_the_title_is_recorded_as_such(alice, therapy, paper):
    data = item_data(therapy, [paper], quotes={paper.pk: "lymphocyte recovery after alemtuzumab"})
    assert _new(alice, data).status_code == 302
    assert EvidenceNote.objects.get().citations.get().quote_section == "TITLE"


def test_citing_a_paper_pubmed_does_not_know_is_refused(alice, therapy):
    missing = PaperFactory(title="", abstract=[], fetch_state="not_found")
    page = _new(alice, item_data(therapy, [missing])).content.decode()
    assert f"PMID {missing.pmid} was not found in PubMed" in page
    assert not EvidenceNote.objects.exists()


def test_an_outcome_needs_a_measure_and_a_value_inside_its_interval(alice, therapy, paper):
    data = item_data(
        therapy, [paper], outcome_value="0.9", outcome_ci_low="0.2", outcome_ci_high="0.5"
    )
    page = _new(alice, data).content.decode()
    assert "Name the measure" in page
    assert "The value lies outside its confidence interval." in page
    follow_up = _new(alice, item_data(therapy, [paper], follow_up_value="12")).content.decode()
    assert "Say whether the follow-up is in weeks, months or years." in follow_up


def test_a_structured_item_is_saved_with_every_field(alice, therapy, paper):
    data = item_data(
        therapy,
        [paper],
        study_design="cohort",
        direction="supports",
        population_phenotype="rrms",
        population_size="56",
        follow_up_value="39.5",
        follow_up_unit="months",
        outcome_measure="mean months to CD4+ reconstitution",
        outcome_value="36",
    )
    assert _new(alice, data).status_code == 302
    note = EvidenceNote.objects.get()
    assert (note.study_design, note.population_size, note.follow_up_display) == (
        "cohort",
        56,
        "39.5 months",
    )
    page = alice.get(note.get_absolute_url()).content.decode()
    assert "Observational cohort" in page and "56 patients; follow-up 39.5 months" in page
    assert "Added by Alice Curator" in page


def test_the_preview_renders_markdown_and_drops_script(alice):
    response = alice.post(
        reverse("curation:preview"),
        {"statement": "**Durable** remission <script>alert(1)</script>"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "<strong>Durable</strong>" in body
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_the_preview_needs_the_csrf_token(people):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people.alice)
    assert client.post(reverse("curation:preview"), {"statement": "x"}).status_code == 403


def test_the_picker_finds_papers_by_title_words_author_pmid_and_doi(alice):
    target = PaperFactory(
        title="Thymic output after haematopoietic transplantation", doi="10.5555/Thy.1"
    )
    AuthorshipFactory(paper=target, author__last_name="Muraro", position=1)
    from papers.search.index import update_search_vectors

    update_search_vectors(paper_ids=[target.pk])
    PaperFactory(title="Something else entirely")

    def found(query):
        page = alice.get(reverse("curation:paper-search"), {"q": query}).content.decode()
        return "Thymic output after haematopoietic" in page, page

    assert found("thymic haemato")[0]  # the last word is a prefix
    assert found("Muraro")[0]
    assert found(str(target.pmid))[0]
    assert found("https://doi.org/10.5555/thy.1")[0]
    _, page = found("Muraro")
    assert "Muraro" in page and "2019" in page and "Cite" in page
    assert not found("unrelatedword")[0]


def test_the_picker_shows_a_papers_flags(alice):
    PaperFactory(title="A retracted repertoire study", is_retracted=True, has_erratum=True)
    from papers.search.index import update_search_vectors

    update_search_vectors(paper_ids=Paper.objects.values_list("pk", flat=True))
    page = alice.get(reverse("curation:paper-search"), {"q": "retracted"}).content.decode()
    assert "Retracted" in page and "Erratum" in page


def test_citing_from_the_picker_adds_a_row_once(alice, paper):
    url = reverse("curation:citation-row")
    row = alice.get(url, {"paper": paper.pk})
    assert f'name="quote-{paper.pk}"' in row.content.decode()
    assert alice.get(url, {"paper": paper.pk, "cited": [paper.pk]}).status_code == 204


def test_adding_a_known_pmid_cites_it_without_an_import(alice, paper):
    response = alice.post(reverse("curation:paper-add"), {"identifier": f"PMID: {paper.pmid}"})
    assert f'name="cited" value="{paper.pk}"' in response.content.decode()
    assert not RefreshJob.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("10.1056 NEJM", "is not a well-formed DOI"),
        ("doi:nonsense", "neither a PMID"),
        ("0", "is not a PMID"),
        ("", "Type a PMID"),
    ],
)
def test_adding_a_malformed_identifier_says_why_and_keeps_it(alice, typed, message):
    response = alice.post(reverse("curation:paper-add"), {"identifier": typed})
    body = response.content.decode()
    assert message in body
    assert response["HX-Retarget"] == "#add-paper"
    assert f'value="{typed}"' in body
    assert not Paper.objects.exists()


def test_adding_a_pmid_pubmed_does_not_know_says_so(alice):
    missing = PaperFactory(title="", abstract=[], fetch_state="not_found")
    response = alice.post(reverse("curation:paper-add"), {"identifier": str(missing.pmid)})
    assert f"PMID {missing.pmid} is not in PubMed" in response.content.decode()


# Transactional: the job is sent when the import's transaction commits, as in production.
@pytest.mark.django_db(transaction=True)
def test_adding_a_new_pmid_queues_an_import_and_cites_a_placeholder(alice, people, settings):
    settings.REFRESH_QUEUE = "test-curation-add"  # no worker listens: the job stays queued
    response = alice.post(reverse("curation:paper-add"), {"identifier": "990000001"})

    stub = Paper.objects.get(pmid=990000001)
    job = RefreshJob.objects.get()
    body = response.content.decode()
    assert stub.fetch_state == "pending"
    assert (job.trigger, job.pmids, job.requested_by) == ("curator", [990000001], people.alice)
    assert job.celery_task_id  # it reached the broker
    assert f'name="cited" value="{stub.pk}"' in body and f'name="job-{stub.pk}"' in body
    assert "Queued for import" in body and 'hx-trigger="every 2s"' in body
    # Asking again while it is on its way does not queue a second job.
    alice.post(reverse("curation:paper-add"), {"identifier": "990000001"})
    assert RefreshJob.objects.count() == 1
    status = alice.get(reverse("curation:paper-status", args=[stub.pk]), {"job": job.pk})
    assert "Queued for import" in status.content.decode()


@pytest.mark.django_db(transaction=True)
def test_adding_a_pmid_while_the_task_queue_is_down_queues_nothing_and_keeps_the_input(
    alice, broker_down
):
    response = alice.post(reverse("curation:paper-add"), {"identifier": "990000001"})

    body = response.content.decode()
    assert "The task queue is unreachable; nothing was queued." in body
    assert 'value="990000001"' in body
    assert not RefreshJob.objects.exists() and not Paper.objects.exists()


def test_the_status_of_a_fetched_paper_stops_polling(alice, paper):
    body = alice.get(reverse("curation:paper-status", args=[paper.pk])).content.decode()
    assert "hx-trigger" not in body and "Clinical relevance of lymphocyte" in body
