"""`make bench-import`: parsers, file import and E-utilities import on the same synthetic bytes.

One run, one set of 10,000 synthetic records (``BENCH_RECORDS``) in 20 files of 500, written
once as .xml and, byte for byte the same XML, as .xml.gz. It prints records/s of:

- bare lxml (``etree.fromstring`` of the XML in memory, and ``etree.parse`` of the .gz);
- ``Bio.Entrez.read``; PyPI ``pubmed-parser`` (``parse_medline_xml`` with authors and
  references, which reads .gz only); our parser on the XML in memory and streaming the .gz;
- end to end from the .gz files into PostgreSQL (``papers.file_import``: parse, papers,
  authors, affiliations, MeSH, links, change log, search vectors), in this process, then in 1
  and in 2 ``manage.py import_pubmed --file`` processes (the files split between them);
- end to end through E-utilities (the replay server, Redis rate limit on), against what the
  rate limit allows (requests/s x batch size);
- the peak memory (ru_maxrss) of one import process on a 30,000-record .xml.gz
  (``BENCH_MEMORY_RECORDS``).

Runs in a throwaway database (test_<name>), created and dropped by Django's test utilities;
the import steps each start from empty paper tables.
"""

from __future__ import annotations

import gzip
import io
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irtkb.settings")
os.environ.setdefault("DEBUG", "1")

from irtkb import embedded  # noqa: E402

# With DATABASE_URL / REDIS_URL unset, the benchmark runs on the embedded servers, as `make test`.
embedded.start_missing()

import django  # noqa: E402

django.setup()

import pubmed_parser  # type: ignore[import-untyped]  # noqa: E402
from Bio import Entrez  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from lxml import etree  # noqa: E402

from benchmarks.pubmed_xml import write_baseline_files, write_records  # noqa: E402
from eutils_replay import running_replay_server  # noqa: E402
from papers.pubmed import config_from_settings, parse_pubmed_xml  # noqa: E402
from papers.pubmed.files import iter_file_batches  # noqa: E402

COUNT = int(os.environ.get("BENCH_RECORDS", "10000"))
MEMORY_RECORDS = int(os.environ.get("BENCH_MEMORY_RECORDS", "30000"))
TIMED_IMPORT = ["/usr/bin/time", "-f", "peak-kb %M", sys.executable, "manage.py", "import_pubmed"]
TABLES = (
    "papers_paper, papers_author, papers_meshdescriptor, papers_journal, papers_importedfile, "
    "papers_refreshjob"
)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8,.0f} records/s ({seconds:6.2f} s)"


def _lxml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _parse_gzipped(path: Path) -> etree._ElementTree:
    with gzip.open(path) as stream:
        return etree.parse(stream, _lxml_parser())


def time_parsers(plain: list[Path], gzipped: list[Path]) -> dict[str, float]:
    blobs = [f.read_bytes() for f in plain]
    steps = {
        "bare lxml, XML in memory": lambda: [etree.fromstring(b, _lxml_parser()) for b in blobs],
        "bare lxml, .xml.gz": lambda: [_parse_gzipped(f) for f in gzipped],
        "Bio.Entrez.read": lambda: [Entrez.read(io.BytesIO(b)) for b in blobs],
        "pubmed-parser, .xml.gz": lambda: [
            list(pubmed_parser.parse_medline_xml(str(f), author_list=True, reference_list=True))
            for f in gzipped
        ],
        "irtkb parser, in memory": lambda: [parse_pubmed_xml(b) for b in blobs],
        "irtkb parser, .xml.gz": lambda: [list(iter_file_batches(f)) for f in gzipped],
    }
    timings = {}
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        timings[name] = time.perf_counter() - start
    return timings


def empty_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLES} CASCADE")


def import_files_here(gzipped: list[Path]) -> float:
    from papers.file_import import import_file

    empty_tables()
    start = time.perf_counter()
    for path in gzipped:
        outcome = import_file(path)
        assert outcome.outcome == "done", outcome.row.message
    return time.perf_counter() - start


def _database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{db['USER']}@{host}{port}/{db['NAME']}"


def import_files_in_processes(groups: list[list[Path]]) -> tuple[float, list[int]]:
    """Run one `import_pubmed --file` process per group at once; return (seconds, peak MBs).

    GNU time reports each import's peak resident memory: the rusage of a child of this
    process would also count the pages it shared with this (large) process before exec.
    """
    groups = [group for group in groups if group]  # fewer files than processes (tiny runs)
    empty_tables()
    env = {**os.environ, "DATABASE_URL": _database_url()}
    start = time.perf_counter()
    processes = [
        subprocess.Popen(
            [*TIMED_IMPORT, "--file", *map(str, group)],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for group in groups
    ]
    peaks = []
    for process in processes:
        _, errors = process.communicate()
        assert process.returncode == 0, f"import process exited with {process.returncode}"
        line = next(line for line in errors.splitlines() if line.startswith("peak-kb "))
        peaks.append(int(line.split()[1]) // 1024)
    return time.perf_counter() - start, peaks


def import_through_replay(directory: Path, pmids: list[int]) -> tuple[float, int, Any]:
    from papers import refresh
    from papers.models import RefreshJob

    empty_tables()
    with running_replay_server(directory) as server:
        settings.EUTILS_BASE_URL = server.base_url
        settings.NCBI_RATE_LIMIT_KEY = f"irtkb:bench:{uuid.uuid4().hex}"
        job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="command", pmids=pmids)
        start = time.perf_counter()
        job = refresh.run_refresh_job(job_id=job.pk)
        elapsed = time.perf_counter() - start
        return elapsed, len(server.requests), job


def import_through_workers(
    directory: Path, pmids: list[int], *, workers: int
) -> tuple[float, int, Any]:
    """Run the same import as one job on ``workers`` real Celery worker processes (each one
    process serving the job's three queues) and time it from queueing to its last batch."""
    from papers import refresh
    from papers.models import RefreshJob
    from papers.tasks import enqueue_job

    empty_tables()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    settings.REFRESH_QUEUE = queue
    with running_replay_server(directory) as server, tempfile.TemporaryDirectory() as logs:
        rate_key = f"irtkb:bench:{uuid.uuid4().hex}"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "EUTILS_BASE_URL": server.base_url,
            "NCBI_RATE_LIMIT_KEY": rate_key,
            "REFRESH_QUEUE": queue,
        }
        queues = ",".join([queue, f"{queue}.fetch", f"{queue}.store"])
        processes, log_paths = [], []
        for number in range(workers):
            log_paths.append(Path(logs) / f"worker-{number}.log")
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "irtkb",
                        "worker",
                        "-Q",
                        queues,
                        "-n",
                        f"bench{number}-{queue}@%h",
                        "--concurrency=1",
                        "--loglevel=INFO",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                    cwd=BASE_DIR,
                    env=env,
                    stdout=log_paths[-1].open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
        try:
            deadline = time.monotonic() + 60
            while not all("ready." in p.read_text() for p in log_paths):
                assert time.monotonic() < deadline, "workers did not start"
                time.sleep(0.2)
            job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="command", pmids=pmids)
            start = time.perf_counter()
            enqueue_job(job)
            while not job.is_finished:
                time.sleep(0.1)
                job.refresh_from_db()
            elapsed = time.perf_counter() - start
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
        return elapsed, len(server.requests), job


def _paper_count() -> int:
    from papers.models import Paper

    return Paper.objects.count()


def _machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"machine: {os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}, API key: {bool(settings.NCBI_API_KEY)}"
    )


def storage_per_record(count: int) -> str:
    """Return the on-disk size (tables, TOAST, indexes) the imported records take, per record."""
    tables = ["papers_paper", "papers_authorship", "papers_papermesh", "papers_paperlink"]
    tables += ["papers_author", "papers_meshdescriptor", "papers_journal", "papers_paperchange"]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)",
            [tables],
        )
        sizes = dict(cursor.fetchall())
    total = sum(sizes.values())
    papers = sizes.get("papers_paper", 0)
    return (
        f"{total / 1e6:.0f} MB in all, {total / count / 1e3:.1f} KB a record "
        f"(papers table with TOAST and indexes {papers / count / 1e3:.1f} KB)"
    )


def main() -> None:
    print(_machine())
    with tempfile.TemporaryDirectory() as tmp:
        plain_dir, gz_dir = Path(tmp) / "xml", Path(tmp) / "gz"
        pmids = write_records(plain_dir, count=COUNT)
        plain = sorted(plain_dir.glob("*.xml"))
        gz_dir.mkdir()
        for path in plain:
            with path.open("rb") as source, gzip.open(gz_dir / f"{path.name}.gz", "wb") as out:
                shutil.copyfileobj(source, out)
        gzipped = sorted(gz_dir.glob("*.xml.gz"))
        megabytes = sum(f.stat().st_size for f in plain) / 1e6
        gz_megabytes = sum(f.stat().st_size for f in gzipped) / 1e6
        print(
            f"{COUNT:,} synthetic records, {megabytes:.1f} MB of XML ({gz_megabytes:.1f} MB "
            f"gzipped) in {len(plain)} files"
        )
        print("parsing (same bytes):")
        timings = time_parsers(plain, gzipped)
        for name, seconds in timings.items():
            print(f"  {name:<32} {rate(COUNT, seconds)}")
        bare = timings["bare lxml, XML in memory"]
        ours = timings["irtkb parser, .xml.gz"]
        print(
            f"  irtkb parser (.gz) vs bare lxml (in memory): {bare / ours:.2f}x; vs "
            f"pubmed-parser: {timings['pubmed-parser, .xml.gz'] / ours:.2f}x"
        )

        old = setup_databases(verbosity=0, interactive=False)
        try:
            print("end to end from files (parse + upsert + search vectors):")
            here = import_files_here(gzipped)
            assert _paper_count() == COUNT
            print(f"  {'in this process':<32} {rate(COUNT, here)}  ({bare / here:.3f}x bare lxml)")
            print(f"  storage: {storage_per_record(COUNT)}")
            one, _ = import_files_in_processes([gzipped])
            assert _paper_count() == COUNT
            print(f"  {'1 import process':<32} {rate(COUNT, one)}")
            two, _ = import_files_in_processes([gzipped[0::2], gzipped[1::2]])
            assert _paper_count() == COUNT
            print(f"  {'2 import processes':<32} {rate(COUNT, two)}")

            print("end to end through E-utilities (replay server, rate limit on):")
            allowed = config_from_settings().requests_per_second * settings.REFRESH_BATCH_SIZE
            runs = {
                "job in this process": lambda: import_through_replay(plain_dir, pmids),
                "job on 1 worker": lambda: import_through_workers(plain_dir, pmids, workers=1),
                "job on 2 workers": lambda: import_through_workers(plain_dir, pmids, workers=2),
            }
            for name, run in runs.items():
                elapsed, requests, job = run()
                assert _paper_count() == COUNT and job.new_count == COUNT, job.status
                print(
                    f"  {name:<32} {rate(COUNT, elapsed)}  {COUNT / elapsed / allowed:.0%} of "
                    f"the {allowed:,.0f} records/s the rate limit allows; {requests} requests; "
                    f"job {job.status}, {job.new_count} new, {job.failed_count} failed"
                )

            big = write_baseline_files(Path(tmp) / "big", files=1, per_file=MEMORY_RECORDS)
            print(
                f"one import process on one {MEMORY_RECORDS:,}-record .xml.gz "
                f"({big[0].stat().st_size / 1e6:.0f} MB):"
            )
            seconds, peaks = import_files_in_processes([big])
            assert _paper_count() == MEMORY_RECORDS
            print(
                f"  {'peak memory (ru_maxrss)':<32} {peaks[0]} MB; {rate(MEMORY_RECORDS, seconds)}"
            )
        finally:
            teardown_databases(old, verbosity=0)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
