"""One request budget for all processes, checked from the replay server's request log."""

from __future__ import annotations

import itertools
import multiprocessing
import time
from dataclasses import replace

import pytest
from django.conf import settings

from papers.pubmed import TransientNcbiError
from papers.pubmed.config import NcbiConfig
from papers.pubmed.ratelimit import RedisRateLimiter, redis_client, spacing_seconds
from tests.ncbi.conftest import make_config
from tests.ncbi.workers import fetch_one_by_one, fetch_waking_late

PMIDS = [99000001, 99000002, 99000003, 31649335, 99000001, 99000002]


def busiest_second(times: list[float]) -> int:
    """Return the most requests that fall within any one-second window."""
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))


def arrivals(server) -> list[float]:
    """Return when each request reached the replay server (its log), as NCBI would count."""
    return [r.time for r in server.requests]


def run_two_processes(
    configs: list[NcbiConfig], worker=fetch_one_by_one, **options
) -> list[tuple[float, float]]:
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0  # time for both interpreters to start and import
    # One task per process: fetch_waking_late patches the limiter class in its process.
    with context.Pool(2, maxtasksperchild=1) as pool:
        jobs = [pool.apply_async(worker, (c, PMIDS, start_at), options) for c in configs]
        return [job.get(timeout=60) for job in jobs]


def assert_overlapping(spans: list[tuple[float, float]]) -> None:
    (start_a, end_a), (start_b, end_b) = spans
    assert max(start_a, start_b) < min(end_a, end_b)


def test_two_processes_share_three_requests_per_second(replay, rate_key):
    config = make_config(replay, rate_key, api_key=None)

    spans = run_two_processes([config, config])

    assert len(replay.requests) == 12 and all(r.status == 200 for r in replay.requests)
    # Both processes were sending during the same stretch of time...
    assert_overlapping(spans)
    # ...yet together they never exceeded NCBI's limit at the server in any one-second window.
    assert busiest_second(arrivals(replay)) <= 3


def test_a_process_waking_late_after_its_slot_still_keeps_arrivals_within_the_limit(
    replay, rate_key
):
    # Every other slot, each process wakes 0.3 s after it (descheduled, as on a loaded
    # machine), which used to put its late request right next to the other's on-time one.
    config = make_config(replay, rate_key, api_key=None)

    spans = run_two_processes([config, config], fetch_waking_late, late=0.3)

    assert len(replay.requests) == 12 and all(r.status == 200 for r in replay.requests)
    assert_overlapping(spans)
    assert busiest_second(arrivals(replay)) <= 3


def test_without_confirming_sends_a_late_waker_would_exceed_the_limit(replay, rate_key):
    # The control for the test above: the same late wake-ups with the check before sending
    # switched off, and the server sees four requests in one second.
    config = make_config(replay, rate_key, api_key=None)

    run_two_processes([config, config], fetch_waking_late, late=0.3, confirm=False)

    assert busiest_second(arrivals(replay)) > 3


def test_without_a_shared_bucket_two_processes_would_exceed_the_limit(replay, rate_key):
    # The control for the test above: separate keys mean separate budgets, and the same
    # check on the request log catches the excess.
    config = make_config(replay, rate_key, api_key=None)

    run_two_processes([config, replace(config, rate_limit_key=rate_key + ":other")])
    redis_client(settings.REDIS_URL).delete(rate_key + ":other", rate_key + ":other:sent")

    assert busiest_second(arrivals(replay)) > 3


def test_an_api_key_allows_ten_requests_per_second(replay, rate_key):
    config = make_config(replay, rate_key, api_key="replay-test-key")

    for _ in range(12):
        fetch_one_by_one(config, [99000001], 0)

    busiest = busiest_second(arrivals(replay))
    assert 4 <= busiest <= 10


def test_spacing_covers_the_limit_and_biopythons_own_gap():
    # Biopython waits 0.37 s (0.1 s with a key) between its own requests in one process.
    assert spacing_seconds(3) == pytest.approx(0.37)
    assert spacing_seconds(10) == pytest.approx(0.11)


def test_reservations_are_handed_out_one_spacing_apart(rate_key):
    limiter = RedisRateLimiter(redis_url=settings.REDIS_URL, key=rate_key, requests_per_second=3)

    # Each slot starts at (time of the call + wait). The call's time is only known to lie
    # between a clock reading before and after it, so check that the spacing fits those
    # bounds instead of timing the test itself (a loaded machine must not make it fail).
    calls = []
    for _ in range(4):
        before = time.time()
        wait = limiter.reserve()
        calls.append((before + wait, time.time() + wait))

    slack = 0.002  # the script rounds to microseconds and the clocks are read, not shared
    for (earliest, latest), (next_earliest, next_latest) in itertools.pairwise(calls):
        assert next_earliest - latest - slack <= 0.37 <= next_latest - earliest + slack


def test_a_send_is_confirmed_only_one_spacing_after_the_last_confirmed_one(rate_key):
    limiter = RedisRateLimiter(redis_url=settings.REDIS_URL, key=rate_key, requests_per_second=3)

    # However the slots were handed out, a confirmation right after another is refused with
    # (nearly) a whole spacing still to wait, and nothing is recorded for the refused one.
    assert limiter.confirm() == 0
    too_soon = limiter.confirm()
    again = limiter.confirm()

    assert 0.3 < again <= too_soon <= 0.37


def test_acquire_returns_only_once_its_send_is_confirmed(rate_key):
    limiter = RedisRateLimiter(redis_url=settings.REDIS_URL, key=rate_key, requests_per_second=3)
    started = time.monotonic()
    limiter.confirm()  # another process sent just now, outside its reserved slot

    limiter.acquire()  # the bucket is idle, so its slot is now: it waits for the confirmation
    elapsed = time.monotonic() - started

    assert elapsed >= 0.37 - 0.002  # the clocks are read, not shared


def test_the_bucket_key_expires_once_idle(rate_key):
    RedisRateLimiter(redis_url=settings.REDIS_URL, key=rate_key, requests_per_second=3).reserve()

    ttl_ms = redis_client(settings.REDIS_URL).pttl(rate_key)

    assert 0 < ttl_ms <= 1370 + 50


def test_an_unreachable_redis_is_a_transient_error(rate_key):
    limiter = RedisRateLimiter(
        redis_url="redis://127.0.0.1:1/0", key=rate_key, requests_per_second=3
    )

    with pytest.raises(TransientNcbiError, match="rate limiter"):
        limiter.acquire()


@pytest.mark.parametrize(
    ("url", "path", "db"),
    [
        ("redis+socket:///srv/var/redis/redis.sock", "/srv/var/redis/redis.sock", 0),
        ("redis+socket:///srv/redis.sock?virtual_host=2", "/srv/redis.sock", 2),
        ("unix:///tmp/r.sock?db=4", "/tmp/r.sock", 4),
    ],
)
def test_it_understands_kombus_unix_socket_urls(url, path, db):
    kwargs = redis_client(url).connection_pool.connection_kwargs

    assert (kwargs["path"], kwargs["db"]) == (path, db)
