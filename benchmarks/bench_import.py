"""`make bench-import`: import 10,000 synthetic PubMed records through the replay server.

Reports, in one run on the same bytes: records/s end to end (efetch over HTTP, parse, upsert
into PostgreSQL, search vectors), the number of HTTP requests, and records/s of bare lxml
parsing, of Bio.Entrez.read alone, and of our parser alone, so the figures read as ratios.
Runs in a throwaway database (test_<name>), created and dropped by Django's test utilities.
"""

from __future__ import annotations

import io
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irtkb.settings")
os.environ.setdefault("DEBUG", "1")

from irtkb import embedded  # noqa: E402

# With DATABASE_URL / REDIS_URL unset, the benchmark runs on the embedded servers, as `make test`.
embedded.start_missing()

import django  # noqa: E402

django.setup()

from Bio import Entrez  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from lxml import etree  # noqa: E402

from benchmarks.pubmed_xml import write_records  # noqa: E402
from eutils_replay import running_replay_server  # noqa: E402
from papers.pubmed import parse_pubmed_xml  # noqa: E402

COUNT = int(os.environ.get("BENCH_RECORDS", "10000"))


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} records/s ({seconds:.2f} s)"


def time_parsers(files: list[Path]) -> dict[str, float]:
    blobs = [f.read_bytes() for f in files]
    timings = {}
    start = time.perf_counter()
    for blob in blobs:
        etree.fromstring(
            blob, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        )
    timings["bare lxml parse"] = time.perf_counter() - start
    start = time.perf_counter()
    for blob in blobs:
        Entrez.read(io.BytesIO(blob))
    timings["Bio.Entrez.read"] = time.perf_counter() - start
    start = time.perf_counter()
    for blob in blobs:
        parse_pubmed_xml(blob)
    timings["papers.pubmed.parse"] = time.perf_counter() - start
    return timings


def import_through_replay(directory: Path, pmids: list[int]) -> tuple[float, int, object]:
    from papers import refresh
    from papers.models import RefreshJob

    with running_replay_server(directory) as server:
        settings.EUTILS_BASE_URL = server.base_url
        settings.NCBI_RATE_LIMIT_KEY = f"irtkb:bench:{uuid.uuid4().hex}"
        job = refresh.create_job(kind=RefreshJob.Kind.IMPORT, trigger="command", pmids=pmids)
        start = time.perf_counter()
        job = refresh.run_refresh_job(job_id=job.pk)
        elapsed = time.perf_counter() - start
        return elapsed, len(server.requests), job


def main() -> None:
    key = "yes" if settings.NCBI_API_KEY else "no"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, API key: {key}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        pmids = write_records(directory, count=COUNT)
        files = sorted(directory.glob("*.xml"))
        megabytes = sum(f.stat().st_size for f in files) / 1e6
        print(f"{COUNT:,} synthetic records, {megabytes:.1f} MB of XML in {len(files)} files")
        for name, seconds in time_parsers(files).items():
            print(f"  {name:<22} {rate(COUNT, seconds)}")

        old = setup_databases(verbosity=0, interactive=False)
        try:
            elapsed, requests, job = import_through_replay(directory, pmids)
        finally:
            teardown_databases(old, verbosity=0)
    print(f"  {'end to end import':<22} {rate(COUNT, elapsed)}")
    print(
        f"  HTTP requests: {requests} (ceil({COUNT}/{settings.REFRESH_BATCH_SIZE}) = "
        f"{-(-COUNT // settings.REFRESH_BATCH_SIZE)} efetch)"
    )
    print(f"  job: {job.status}, {job.new_count} new, {job.failed_count} failed")


if __name__ == "__main__":
    main()
