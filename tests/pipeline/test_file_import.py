"""Importing PubMed baseline/update files: streaming, DeleteCitation, resume, damaged files.

The files are written by benchmarks/pubmed_xml.py: synthetic records with PMIDs from
950,000,000 (none is a real PubMed record), in this test's database only.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from benchmarks.pubmed_xml import FIRST_PMID, write_baseline_files
from papers.file_import import import_file, pubmed_files
from papers.models import EvidenceNote, ImportedFile, Paper, PaperChange
from papers.pubmed import PubmedParseError
from papers.pubmed.files import iter_file_batches, sha256_of
from tests.factories import EvidenceNoteFactory, PaperFactory
from tests.worker.conftest import BASE_DIR, database_url_for_test_db

pytestmark = pytest.mark.django_db


def _import(*arguments: str, batch_size: int = 20) -> None:
    call_command("import_pubmed", "--batch-size", str(batch_size), "--file", *arguments)


def test_a_gzipped_file_set_is_streamed_in_with_its_deletions(tmp_path, capsys):
    withdrawn = [FIRST_PMID + 3, FIRST_PMID + 7]
    cited = PaperFactory.create(pmid=withdrawn[0], title="Stored before the files came")
    note = EvidenceNoteFactory.create(papers=[cited])
    paths = write_baseline_files(tmp_path, files=3, per_file=50, deletions={2: withdrawn})

    _import(str(tmp_path))

    out = capsys.readouterr().out
    assert "synthn0001.xml.gz: 49 new, 1 changed" in out
    assert "synthn0003.xml.gz: 50 new, 0 changed, 0 unchanged, 2 deleted, 0 skipped" in out
    assert Paper.objects.filter(pmid__gte=FIRST_PMID).count() == 150
    deleted = Paper.objects.filter(deleted_from_pubmed=True)
    assert list(deleted.order_by("pmid").values_list("pmid", flat=True)) == withdrawn
    # Marked, not removed: the paper keeps its data and the note still cites it.
    cited.refresh_from_db()
    assert cited.title != "Stored before the files came" and cited.authorships.exists()
    note.refresh_from_db()
    assert note.needs_review and list(note.papers.all()) == [cited]
    assert f"PMID {withdrawn[0]}: a cited paper was withdrawn from PubMed" in note.review_reason
    rows = {row.name: row for row in ImportedFile.objects.all()}
    assert sorted(rows) == [p.name for p in paths]
    for path in paths:
        row = rows[path.name]
        assert row.status == "done" and row.finished_at is not None
        assert row.sha256 == sha256_of(path) and row.size == path.stat().st_size
    assert rows["synthn0003.xml.gz"].position == 51  # 50 records and one DeleteCitation
    assert rows["synthn0003.xml.gz"].last_pmid == withdrawn[-1]


def test_running_again_skips_finished_files_and_changes_nothing(tmp_path, capsys):
    write_baseline_files(tmp_path, files=2, per_file=30)
    _import(str(tmp_path / "*.xml.gz"))
    changes = PaperChange.objects.count()
    capsys.readouterr()

    _import(str(tmp_path / "synthn0001.xml.gz"), str(tmp_path / "synthn0002.xml.gz"))

    out = capsys.readouterr().out
    assert "synthn0001.xml.gz: already imported (30 items), skipped" in out
    assert "synthn0002.xml.gz: already imported (30 items), skipped" in out
    assert PaperChange.objects.count() == changes
    assert Paper.objects.count() == 60


def test_file_arguments_expand_directories_and_globs_and_refuse_what_matches_nothing(tmp_path):
    paths = write_baseline_files(tmp_path, files=2, per_file=1, compress=False)
    (tmp_path / "notes.txt").write_text("not a PubMed file")
    assert pubmed_files([str(tmp_path)]) == paths
    assert pubmed_files([str(tmp_path / "synthn*.xml"), str(paths[0])]) == paths
    with pytest.raises(CommandError, match=r"no PubMed files at .*missing"):
        _import(str(tmp_path / "missing"))


def test_a_record_without_pmid_fails_alone_and_is_named(tmp_path, capsys):
    (path,) = write_baseline_files(tmp_path, files=1, per_file=10, compress=False)
    text = path.read_text()
    text = text.replace(f'<PMID Version="1">{FIRST_PMID + 4}</PMID>', "<PMID>n/a</PMID>", 1)
    path.write_text(text)

    _import(str(path), batch_size=4)

    assert Paper.objects.count() == 9
    row = ImportedFile.objects.get()
    assert row.status == "done" and row.failed_count == 1 and row.position == 10
    assert row.errors == [{"pmid": None, "reason": "missing or invalid PMID 'n/a'"}]
    assert "skipped record without PMID: missing or invalid PMID 'n/a'" in capsys.readouterr().err


def test_a_record_the_database_refuses_fails_alone_with_its_pmid(tmp_path):
    (path,) = write_baseline_files(tmp_path, files=1, per_file=12, compress=False)
    bad = FIRST_PMID + 5
    # A volume longer than its column (50): the database refuses the whole batch.
    text = path.read_text().split(f'<PMID Version="1">{bad}</PMID>')
    text[1] = text[1].replace("<Volume>", "<Volume>" + "9" * 80, 1)
    path.write_text(f'<PMID Version="1">{bad}</PMID>'.join(text))

    _import(str(path), batch_size=12)

    row = ImportedFile.objects.get()
    assert row.status == "done" and row.failed_count == 1
    assert row.errors[0]["pmid"] == bad and row.errors[0]["reason"]
    assert Paper.objects.count() == 11 and not Paper.objects.filter(pmid=bad).exists()


def _truncated_gzip(tmp_path: Path, fraction: float) -> Path:
    (path,) = write_baseline_files(tmp_path, files=1, per_file=100)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def test_a_truncated_gzip_fails_clearly_and_keeps_the_batches_before_it(tmp_path):
    path = _truncated_gzip(tmp_path, 0.6)

    with pytest.raises(CommandError, match=r"1 of 1 files failed.*synthn0001.xml.gz"):
        _import(str(path), batch_size=10)

    row = ImportedFile.objects.get()
    assert row.status == "failed"
    assert "corrupt gzip data" in row.message or "truncated XML" in row.message
    stored = Paper.objects.count()
    assert 10 <= stored < 100 and row.position == stored
    assert row.message.startswith("synthn0001.xml.gz: ")


def test_a_file_that_is_not_gzip_inside_fails_with_a_clear_message(tmp_path):
    path = tmp_path / "baseline.xml.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"these bytes are not deflate data" * 20)
    outcome = import_file(path)
    assert outcome.outcome == "failed"
    assert "corrupt gzip data after item 0" in outcome.row.message
    assert Paper.objects.count() == 0


def test_truncated_plain_xml_and_a_wrong_root_fail_clearly(tmp_path):
    (path,) = write_baseline_files(tmp_path, files=1, per_file=20, compress=False)
    path.write_bytes(path.read_bytes()[:-5000])
    with pytest.raises(PubmedParseError, match="malformed or truncated XML after item"):
        list(iter_file_batches(path, batch_size=5))
    other = tmp_path / "other.xml"
    other.write_text("<eSearchResult><Count>0</Count></eSearchResult>")
    with pytest.raises(PubmedParseError, match=r"not a PubmedArticleSet \(root element <eSearch"):
        list(iter_file_batches(other))


def test_batches_resume_after_a_position_and_keep_deletions_in_file_order(tmp_path):
    (path,) = write_baseline_files(tmp_path, files=1, per_file=7, deletions={0: [FIRST_PMID]})
    batches = list(iter_file_batches(path, batch_size=3))
    assert [(len(b.records), b.deleted_pmids, b.position) for b in batches] == [
        (3, [], 3),
        (3, [], 6),
        (1, [], 7),
        (0, [FIRST_PMID], 8),
    ]
    resumed = list(iter_file_batches(path, batch_size=3, skip=6))
    assert [r.pmid for r in resumed[0].records] == [FIRST_PMID + 6]
    assert [b.position for b in resumed] == [7, 8]


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_mid_file_resumes_after_its_last_committed_batch(tmp_path, capsys):
    (path,) = write_baseline_files(tmp_path, files=1, per_file=1500)
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_test_db(),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only"),
    }
    command = [sys.executable, "manage.py", "import_pubmed", "--batch-size", "50"]
    process = subprocess.Popen(
        [*command, "--file", str(path)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            row = ImportedFile.objects.filter(sha256=sha256_of(path)).first()
            if row is not None and row.position >= 200:
                break
            assert process.poll() is None, "the import ended before it could be killed"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    killed_at = ImportedFile.objects.get().position
    assert 200 <= killed_at < 1500
    assert Paper.objects.count() == killed_at  # exactly the committed batches, no more

    _import(str(path), batch_size=50)

    assert f"resumed after item {killed_at}" in capsys.readouterr().out
    row = ImportedFile.objects.get()
    assert row.status == "done" and row.position == 1500 and row.new_count == 1500
    assert Paper.objects.count() == 1500
    assert Paper.objects.filter(fetch_state="fetched").count() == 1500


def _import_process_peak_megabytes(path: Path) -> int:
    """Run `import_pubmed --file` in a process of its own (DEBUG on, as in development, where
    Django keeps every query's text); return its peak resident memory."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_test_db(),
        "DEBUG": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only"),
    }
    command = [sys.executable, "manage.py", "import_pubmed", "--batch-size", "250"]
    process = subprocess.Popen(
        [*command, "--file", str(path)], cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return usage.ru_maxrss // 1024


@pytest.mark.django_db(transaction=True)
def test_an_import_process_memory_stays_flat_whatever_the_file_size(tmp_path):
    (small,) = write_baseline_files(tmp_path / "small", files=1, per_file=250)
    (large,) = write_baseline_files(
        tmp_path / "large", files=1, per_file=3000, first_pmid=FIRST_PMID + 1000
    )
    with gzip.open(large) as stream:
        large_bytes = sum(len(chunk) for chunk in iter(lambda: stream.read(1 << 20), b""))
    small_peak = _import_process_peak_megabytes(small)
    large_peak = _import_process_peak_megabytes(large)
    assert Paper.objects.count() == 3250
    # The large file holds ~26 MB of XML in 12 batches; kept whole (or one batch's queries
    # kept per batch, as DEBUG did before reset_queries) it adds far more than the bound.
    assert large_bytes > 20_000_000
    assert large_peak - small_peak < 40, (small_peak, large_peak)
    assert large_peak < 400


def test_note_flags_on_deletion_do_not_touch_notes_citing_other_papers(tmp_path):
    other = PaperFactory.create(pmid=FIRST_PMID + 1000)
    untouched = EvidenceNoteFactory.create(papers=[other])
    write_baseline_files(tmp_path, files=1, per_file=2, deletions={0: [FIRST_PMID]})
    _import(str(tmp_path))
    assert not EvidenceNote.objects.get(pk=untouched.pk).needs_review
