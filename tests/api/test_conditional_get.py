"""ETag and Last-Modified on API responses, and 304 Not Modified for a repeated GET."""

from __future__ import annotations

from django.utils.http import http_date

from papers.models import EvidenceNote


def test_a_repeated_get_with_the_etag_is_answered_304_with_no_body(api, corpus):
    first = api("papers/")
    etag = first["ETag"]

    again = api("papers/", headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_the_etag_changes_when_the_data_does(api, corpus):
    etag = api("evidence-items/")["ETag"]
    note = corpus.notes[0]
    note.status = EvidenceNote.Status.RETIRED
    note.save()

    response = api("evidence-items/", headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_record_has_last_modified_and_honours_if_modified_since(api, corpus):
    note = corpus.notes[0]
    response = api(f"evidence-items/{note.pk}/")
    assert response["Last-Modified"] == http_date(note.updated_at.timestamp())

    unchanged = api(
        f"evidence-items/{note.pk}/", headers={"If-Modified-Since": response["Last-Modified"]}
    )
    assert unchanged.status_code == 304


def test_a_list_page_is_last_modified_when_its_newest_record_changed(api, corpus):
    response = api("evidence-items/")
    newest = max(note.updated_at for note in corpus.notes[:2])

    assert response["Last-Modified"] == http_date(newest.timestamp())


def test_therapies_have_an_etag_but_no_last_modified(api, corpus):
    response = api("therapies/")

    assert response["ETag"]
    assert "Last-Modified" not in response


def test_errors_carry_no_validators(api, corpus):
    response = api("papers/", year="x")

    assert response.status_code == 400
    assert "ETag" not in response
