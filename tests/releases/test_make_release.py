"""manage.py make_release, the monthly task, and the /downloads/ page that serves them."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command

from papers.releases.tasks import make_monthly_release

DAY = "2026-02-02"


def _release(**options) -> str:
    out = io.StringIO()
    call_command("make_release", date=DAY, stdout=out, **options)
    return out.getvalue()


def test_it_writes_json_tsv_a_manifest_with_checksums_a_readme_and_the_licence(
    corpus, releases_dir
):
    output = _release(base_url="https://irtkb.example.org")

    directory = releases_dir / DAY
    assert f"Release {DAY} written to {directory}" in output
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["release"] == DAY
    assert manifest["counts"]["therapies"] == 2
    assert manifest["counts"]["evidence_items"] == 2  # the draft stays out
    assert manifest["counts"]["papers"] == 7
    for entry in manifest["files"]:
        content = (directory / entry["name"]).read_bytes()
        assert entry["bytes"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    sums = (directory / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == len(manifest["files"])
    names = {entry["name"] for entry in manifest["files"]}
    assert {"therapies.json", "evidence_items.tsv", "papers.tsv", "README.txt"} <= names

    items = json.loads((directory / "evidence_items.json").read_text())
    assert [c["paper"]["pmid"] for c in items[0]["citations"]] == [
        corpus.cited[0].pmid,
        corpus.cited[1].pmid,
    ]
    assert items[0]["url"].startswith("https://irtkb.example.org/notes/")
    papers = json.loads((directory / "papers.json").read_text())
    assert "abstract" not in papers[0]

    licence = (directory / "LICENCE.txt").read_text()
    assert "Creative Commons Attribution 4.0 International Public License" in licence
    assert "https://www.nlm.nih.gov/databases/download/terms_and_conditions.html" in licence
    assert "doi:10.1038/s41582-019-0268-z" in (directory / "README.txt").read_text()


def test_the_tsv_files_have_one_line_per_record_even_for_multiline_text(corpus, releases_dir):
    note = corpus.notes[0]
    note.statement = "First line.\n\nSecond\tparagraph."
    note.save()

    _release()

    text = (releases_dir / DAY / "evidence_items.tsv").read_text()
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) == 2
    assert rows[0]["statement"] == "First line. Second paragraph."
    assert rows[0]["cited_pmids"] == f"{corpus.cited[0].pmid}; {corpus.cited[1].pmid}"


def test_a_second_run_for_the_same_date_is_refused_and_changes_nothing(corpus, releases_dir):
    _release()
    before = (releases_dir / DAY / "manifest.json").read_bytes()

    with pytest.raises(CommandError, match=f"A release for {DAY} exists.*--replace"):
        _release()

    assert (releases_dir / DAY / "manifest.json").read_bytes() == before


def test_replace_swaps_in_the_rebuilt_release_and_leaves_no_temporary_directory(
    corpus, releases_dir
):
    _release()
    corpus.notes[1].delete()

    _release(replace=True)

    manifest = json.loads((releases_dir / DAY / "manifest.json").read_text())
    assert manifest["counts"]["evidence_items"] == 1
    assert [path.name for path in releases_dir.iterdir()] == [DAY]


def test_a_bad_date_is_a_clear_error(db):
    with pytest.raises(CommandError, match="--date '2026-13-01' is not a date"):
        call_command("make_release", date="2026-13-01")


def test_the_monthly_task_makes_todays_release_once(corpus, releases_dir):
    day = make_monthly_release()
    first = (releases_dir / day / "manifest.json").read_bytes()

    assert make_monthly_release() == day
    assert (releases_dir / day / "manifest.json").read_bytes() == first


def test_beat_makes_a_release_every_month(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["make-release-monthly"]

    assert entry["task"] == make_monthly_release.name
    assert entry["schedule"].day_of_month == {2}


def test_downloads_lists_each_release_with_counts_sizes_checksums_and_links(
    client, corpus, releases_dir
):
    _release()
    manifest = json.loads((releases_dir / DAY / "manifest.json").read_text())

    page = client.get("/downloads/").content.decode()

    assert f"Release {DAY}" in page
    assert "2 published evidence items" in page
    papers = next(entry for entry in manifest["files"] if entry["name"] == "papers.json")
    assert papers["sha256"] in page
    assert f'href="/downloads/{DAY}/papers.json"' in page


def test_a_release_file_downloads_with_its_content(client, corpus, releases_dir):
    _release()

    response = client.get(f"/downloads/{DAY}/papers.tsv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    assert f"irtkb-{DAY}-papers.tsv" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == (releases_dir / DAY / "papers.tsv").read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        f"/downloads/{DAY}/..%2F..%2Fsettings.py",
        f"/downloads/{DAY}/%2e%2e",
        f"/downloads/{DAY}/../{DAY}/papers.tsv",
        "/downloads/..%2Fetc/passwd",
        f"/downloads/{DAY}/unlisted.txt",
        f"/downloads/{DAY}x/papers.tsv",
        "/downloads/2026-02-03/papers.tsv",
    ],
)
def test_only_files_a_manifest_lists_can_be_downloaded(client, corpus, releases_dir, path):
    _release()
    (releases_dir / DAY / "unlisted.txt").write_text("not part of the release")
    (releases_dir / "secret.txt").write_text("outside any release")

    assert client.get(path).status_code == 404


def test_downloads_says_so_when_there_is_no_release(client, db):
    assert "No release has been made yet" in client.get("/downloads/").content.decode()


def test_outside_a_transaction_it_reads_one_snapshot(transactional_db, releases_dir):
    from tests import factories

    factories.TherapyFactory(slug="alemtuzumab")

    _release()

    therapies = json.loads((releases_dir / DAY / "therapies.json").read_text())
    assert [t["slug"] for t in therapies] == ["alemtuzumab"]
