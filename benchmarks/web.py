"""`make bench-web`: load 200,000 synthetic papers plus the real dataset, serve the app with
gunicorn (DEBUG off), and measure it with wrk from a second process.

    .venv/bin/python benchmarks/web.py                 # load (if needed) and measure
    .venv/bin/python benchmarks/web.py --reload        # drop the bench database and load again
    .venv/bin/python benchmarks/web.py --papers 20000  # a quicker, smaller run

The bench database (irtkb_bench by default, BENCH_DATABASE_URL to change it) is separate from
the development one. Results go to stdout and var/bench-web.json; docs/benchmarks.md records
them with the machine they ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make the project importable
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/irtkb_bench"
LATENCY_CONNECTIONS = 2  # enough to keep both workers busy without measuring queueing
THROUGHPUT_CONNECTIONS = 8

GOALS_MS = {"page": 50.0, "search": 100.0}


def bench_environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
    )
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
    env["PYTHONPATH"] = str(ROOT)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def database_is_loaded(database_url: str, papers: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(database_url) as connection:
            row = connection.execute(
                "SELECT count(*) FILTER (WHERE pmid >= 900000000), "
                "count(*) FILTER (WHERE search_vector IS NULL) FROM papers_paper"
            ).fetchone()
    except psycopg.Error:
        return False
    return row[0] >= papers and row[1] == 0


def load(env: dict[str, str], papers: int) -> dict:
    """Migrate, load the real dataset, add synthetic papers and index everything."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "load_dataset")
    timings["migrate_and_dataset_s"] = time.perf_counter() - started

    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from benchmarks.synthetic import generate
    from papers.models import Paper
    from papers.search.index import update_search_vectors

    started = time.perf_counter()
    counts = generate(papers=papers)
    timings["generate_s"] = time.perf_counter() - started

    started = time.perf_counter()
    ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True))
    # A bulk load writes every vector: building the GIN index once afterwards is several
    # times faster than maintaining it row by row (the model's index, same name and column).
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS paper_search_gin")
    for start in range(0, len(ids), 20_000):
        update_search_vectors(paper_ids=ids[start : start + 20_000])
        print(f"  indexed {min(start + 20_000, len(ids)):,}/{len(ids):,}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX paper_search_gin ON papers_paper USING gin (search_vector)")
    timings["index_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    return {"counts": counts, "timings": timings}


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer {url} within {timeout}s")


def check_ok(url: str) -> None:
    with urllib.request.urlopen(url, timeout=30) as response:
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")


def run_wrk(url: str, *, connections: int, threads: int, seconds: int) -> dict:
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(ROOT / "benchmarks" / "latency.lua"), url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "date": dt.date.today().isoformat(),
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
    }


def measure(env: dict[str, str], *, port: int, seconds: int, workers: int) -> dict:
    """Serve with gunicorn and measure each page with wrk; return the figures."""
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "irtkb.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(f"{base}/bench/bare/")
        pages = {
            "therapy page": ("page", "/therapies/alemtuzumab/"),
            "review page": ("page", "/review/"),
            "search: common term": ("search", "/search/?q=cells"),
            "search: rare phrase": (
                "search",
                "/search/?q=%22new+so-called+immune+reconstitution%22",
            ),
            "search: filtered": (
                "search",
                "/search/?q=lymphocyte+depletion&year_from=2010&year_to=2020"
                "&publication_type=Review&retracted=exclude",
            ),
            "bare view": ("bare", "/bench/bare/"),
        }
        results: dict = {"latency": {}, "throughput": {}}
        for name, (kind, path) in pages.items():
            for _ in range(20):  # warm the workers' connections and caches
                check_ok(base + path)
            figures = run_wrk(
                base + path, connections=LATENCY_CONNECTIONS, threads=1, seconds=seconds
            )
            results["latency"][name] = {"kind": kind, "path": path, **figures}
            print(
                f"  {name:<22} p50 {figures['p50_ms']:7.1f} ms   p95 {figures['p95_ms']:7.1f} ms"
                f"   ({figures['rps']:.0f} req/s, {figures['non_2xx']} non-2xx)",
                flush=True,
            )
        for name in ("therapy page", "bare view"):
            path = pages[name][1]
            figures = run_wrk(
                base + path, connections=THROUGHPUT_CONNECTIONS, threads=2, seconds=seconds
            )
            results["throughput"][name] = figures
            print(f"  throughput {name:<12} {figures['rps']:8.1f} req/s", flush=True)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def verdict(results: dict) -> list[str]:
    lines = []
    for name, figures in results["latency"].items():
        goal = GOALS_MS.get(figures["kind"])
        if goal is not None:
            status = "met" if figures["p95_ms"] < goal else "MISSED"
            lines.append(f"{name}: p95 {figures['p95_ms']:.1f} ms (goal < {goal:.0f} ms) {status}")
    therapy = results["throughput"]["therapy page"]["rps"]
    bare = results["throughput"]["bare view"]["rps"]
    ratio = therapy / bare if bare else 0
    status = "met" if ratio >= 0.5 else "MISSED"
    lines.append(f"therapy/bare throughput: {ratio:.2f} (goal >= 0.50) {status}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=200_000)
    parser.add_argument("--reload", action="store_true", help="drop and reload the bench DB")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per page")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 18300)))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    env = bench_environment(database_url)
    report: dict = {"machine": machine(), "papers": args.papers, "workers": args.workers}
    if args.reload or not database_is_loaded(database_url, args.papers):
        print(f"Loading {args.papers:,} synthetic papers and the dataset into {database_url}")
        recreate_database(database_url)
        report["load"] = load(env, args.papers)
        print(f"  load: {json.dumps(report['load'])}")
    print(f"Measuring with wrk ({args.seconds}s per page, gunicorn {args.workers} workers)")
    report["results"] = measure(env, port=args.port, seconds=args.seconds, workers=args.workers)
    report["verdict"] = verdict(report["results"])
    print("\n".join(report["verdict"]))
    output = ROOT / "var" / "bench-web.json"
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    print(f"Wrote {output}")


if __name__ == "__main__":
    main()
