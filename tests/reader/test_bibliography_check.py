""" "Check my bibliography": known, flagged, differing and unknown entries, the evidence resting
on them, and clear messages for files that cannot be read."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from papers.bibcheck import MAX_UPLOAD_BYTES
from tests import factories

pytestmark = pytest.mark.django_db
PAGE = reverse("papers:check-bibliography")
API = reverse("papers:api-bibliography-check")

BIBTEX = r"""
@article{retracted2015,
  title = {A retracted claim about thymic output},
  journal = {J Test Neuroimmunol},
  year = {2015},
  doi = {https://doi.org/10.5555/IRTKB.TEST.2},
}
@article{jones2012,
  author = {Jones, Alice},
  title = {Lymphocyte recovery after a pulsed course: an older title},
  journal = {Some Other Journal},
  year = {2013},
  pmid = {990100001},
  doi = {10.5555/irtkb.other},
}
@article{hostile,
  title = {<script>alert("x")</script> Unknown <b>work</b>},
  year = {2020},
  doi = {10.5555/not.in.irtkb},
}
"""

RIS = (
    "TY  - JOUR\r\nTI  - Lymphocyte recovery after a pulsed course: a test record\r\n"
    "PY  - 2012\r\nT2  - Journal of Test Neuroimmunology\r\nER  - \r\n"
    "TY  - JOUR\r\nTI  - Something irtkb has never heard of\r\nPY  - 2001\r\nER  - \r\n"
)

CSL = json.dumps(
    [
        {"id": "a", "type": "article-journal", "title": "x", "PMID": "990100002"},
        {"id": "b", "title": "Nope", "issued": {"date-parts": [[1999]]}, "DOI": "10.5555/nope"},
    ]
)


@pytest.fixture
def evidence(clean_paper, retracted_paper):
    therapy = factories.TherapyFactory(name="Cladribine", slug="cladribine")
    note = factories.EvidenceNoteFactory(therapy=therapy, papers=[retracted_paper])
    factories.EvidenceNoteFactory(therapy=therapy, papers=[retracted_paper], status="draft")
    return note


def upload(client, name: str, content: str | bytes, url: str = PAGE):
    data = content.encode() if isinstance(content, str) else content
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def test_the_page_shows_the_upload_form_with_its_limit_and_a_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = client.get(PAGE)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in body
    assert "csrfmiddlewaretoken" in body
    assert "Files up to 2 MB and 5000 entries" in body


def test_a_post_without_the_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)

    response = upload(client, "refs.bib", BIBTEX)

    assert response.status_code == 403


def test_a_bibtex_file_gets_known_flagged_differing_and_unknown_entries(client, evidence):
    response = upload(client, "refs.bib", BIBTEX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "refs.bib: 3 entries read as BibTeX" in body
    report = response.context["report"]
    assert [(r.entry.key, r.matched_by) for r in report.known] == [
        ("retracted2015", "DOI"),
        ("jones2012", "PMID"),
    ]
    assert [r.entry.key for r in report.unknown] == ["hostile"]
    assert [(r.entry.key, r.flags) for r in report.flagged] == [("retracted2015", ["retracted"])]
    differences = {name: (yours, ours) for name, yours, ours in report.known[1].differences}
    assert differences == {
        "title": (
            "Lymphocyte recovery after a pulsed course: an older title",
            "Lymphocyte recovery after a pulsed course: a test record.",
        ),
        "year": ("2013", "2012"),
        "journal": ("Some Other Journal", "Journal of Test Neuroimmunology"),
        "DOI": ("10.5555/irtkb.other", "10.5555/irtkb.test.1"),
    }
    # Only published evidence counts, and it links to the note.
    assert [note.pk for note in report.known[0].notes] == [evidence.pk]
    assert f'href="/therapies/cladribine/#note-{evidence.pk}"' in body
    assert report.known[1].notes == []


def test_hostile_markup_in_an_entry_is_shown_escaped(client, evidence):
    body = upload(client, "refs.bib", BIBTEX).content.decode()

    assert "<script>alert" not in body
    assert "<b>work</b>" not in body
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Unknown &lt;b&gt;work&lt;/b&gt;" in body
    )


def test_a_ris_file_is_matched_by_title_and_year(client, evidence, clean_paper):
    report = upload(client, "refs.ris", RIS).context["report"]

    assert report.format == "ris"
    assert [(r.paper, r.matched_by) for r in report.known] == [(clean_paper, "title and year")]
    assert report.known[0].differences == []
    assert [r.entry.title for r in report.unknown] == ["Something irtkb has never heard of"]


def test_a_title_with_the_wrong_year_is_not_matched(client, evidence):
    report = upload(client, "refs.ris", RIS.replace("PY  - 2012", "PY  - 2019")).context["report"]

    assert report.known == []


def test_the_api_answers_a_csl_json_file_as_json(client, evidence, retracted_paper):
    response = upload(client, "refs.json", CSL, url=API)

    assert response.status_code == 200
    data = response.json()
    assert data["format"] == "csl-json"
    assert data["counts"] == {
        "entries": 2,
        "known": 1,
        "unknown": 1,
        "flagged": 1,
        "differing": 1,
        "with_evidence": 1,
        "unreadable_blocks": 0,
    }
    known = data["entries"][0]
    assert known["paper"]["pmid"] == retracted_paper.pmid
    assert known["flags"] == ["retracted"]
    assert known["evidence"][0]["therapy"] == "Cladribine"
    assert data["entries"][1]["known"] is False


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "refs.bib",
            "this is not bibtex at all",
            "No entries could be read from this file as BibTeX",
        ),
        ("refs.bib", "@article{broken, title = {never closed", "No entries could be read"),
        (
            "refs.ris",
            "TY  - JOUR\nTI  - no end record\n",
            "No entries could be read from this file as RIS",
        ),
        ("refs.json", '[{"title": "x",', "The file is not valid JSON (line 1, column"),
        ("refs.json", '"just a string"', "A CSL-JSON file holds a list of items"),
        ("refs.json", "[]", "No entries could be read from this file as CSL-JSON"),
        ("refs.bib", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "This is not a text file"),
        ("refs.bib", "   \n", "The file is empty."),
        ("refs.txt", "plain words", "The format of the file is not recognised"),
    ],
)
def test_a_malformed_file_gets_a_clear_message_never_a_500(client, db, name, content, message):
    page = upload(client, name, content)
    api = upload(client, name, content, url=API)

    assert page.status_code == 400
    assert message in page.content.decode()
    assert api.status_code == 400
    assert message in api.json()["error"]


def test_a_bibtex_file_with_some_broken_entries_reports_the_rest(client, evidence):
    content = BIBTEX + "\n@article{broken, title = {never closed\n"

    response = upload(client, "refs.bib", content)

    assert response.status_code == 200
    assert "1 part of the file could not be read and was skipped." in response.content.decode()


def test_a_file_over_the_limit_is_refused_with_the_limit_named(client, db):
    content = b"@comment{" + b"x" * MAX_UPLOAD_BYTES + b"}"

    page = upload(client, "big.bib", content)
    api = upload(client, "big.bib", content, url=API)

    assert page.status_code == 400
    assert "the limit is 2 MB" in page.content.decode()
    assert api.status_code == 413


def test_an_empty_upload_or_none_gets_a_message(client, db):
    assert "Choose a file to check." in client.post(PAGE, {}).content.decode()
    assert client.get(API).status_code == 405
