"""One NCBI request budget for every process: a token bucket kept in Redis.

NCBI allows 3 requests/s per client without an API key and 10 with one, and blocks clients
that go over. Biopython spaces requests only inside one process; Celery workers and the web
process are many processes, so the budget lives in Redis.

The bucket holds one token (no bursts), so no one-second window ever sees more requests than
the limit. It is kept the GCRA way: Redis stores the time the next token is due, and a Lua
script (atomic, using Redis's clock so processes with skewed clocks agree) reserves the next
free slot and returns how long the caller must sleep before using it. Reserving rather than
polling means waiters are served in order and nobody spins on Redis.

NCBI counts arrivals, and a slot only says when a process may send, not when it does: one
that is descheduled after its sleep (a busy machine, a garbage collection) sends late, right
behind the next process's on-time request, and four requests land in one second (one window
in 685 requests under load before this). So a process confirms its slot just before sending:
a second script checks, on Redis's clock, that the last confirmed send is at least one
spacing ago, records this one, or returns how much longer to wait. Confirmed sends are thus
never closer than the spacing, however late anyone wakes; what is left to chance is only the
time from confirming to the request reaching NCBI, and the spacing's margin over 1/limit
(limit x spacing - 1 s: 0.11 s at 3/s, 0.1 s at 10/s) is the spread of that time that no
window over the limit can come from. docs/ncbi.md has the reasoning and the figures.
"""

from __future__ import annotations

import time

import redis

from irtkb.redis_clients import redis_client
from papers.pubmed.errors import TransientNcbiError

# Biopython's in-process spacing (Bio.Entrez._open): 0.37 s without a key, 0.1 s with one.
# Spacing at least that far apart means Biopython never adds a second wait of its own; the
# 10 % margin over 1/limit is how far the time from confirming a send to its arrival may vary
# (limit x spacing - 1 s) before NCBI counts one request too many. It cannot grow: 0.37 s
# already allows only 90 % of 3/s, the fetching throughput goal.
_BIOPYTHON_SPACING = {3: 0.37, 10: 0.1}
_MARGIN = 1.1

_RESERVE_SLOT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local spacing = tonumber(ARGV[1])
local due = tonumber(redis.call('GET', KEYS[1]) or '0')
if due < now then due = now end
local next_due = due + spacing
redis.call('SET', KEYS[1], string.format('%.0f', next_due),
           'PX', math.ceil((next_due - now) / 1000) + 1000)
return due - now
"""

# KEYS[1] holds when the last confirmed send went out (µs, Redis's clock). Returns 0 when this
# send is confirmed, else the µs still to wait (nothing is recorded then).
_CONFIRM_SEND = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local spacing = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < last + spacing then return last + spacing - now end
redis.call('SET', KEYS[1], string.format('%.0f', now), 'PX', math.ceil(spacing / 1000) + 1000)
return 0
"""


def spacing_seconds(requests_per_second: int) -> float:
    """Return the gap kept between any two requests for a limit of ``requests_per_second``."""
    return max(_MARGIN / requests_per_second, _BIOPYTHON_SPACING.get(requests_per_second, 0.0))


class RedisRateLimiter:
    """Hand out request slots from a Redis key shared by every process that uses it."""

    def __init__(self, *, redis_url: str, key: str, requests_per_second: int) -> None:
        self.key = key
        self.sent_key = f"{key}:sent"
        self.spacing = spacing_seconds(requests_per_second)
        self._redis = redis_client(redis_url)
        self._reserve = self._redis.register_script(_RESERVE_SLOT)
        self._confirm = self._redis.register_script(_CONFIRM_SEND)

    def reserve(self) -> float:
        """Reserve the next free slot and return the seconds until it starts."""
        return self._run(self._reserve, self.key)

    def confirm(self) -> float:
        """Record a send now and return 0, or the seconds to wait if the last one is too near."""
        return self._run(self._confirm, self.sent_key)

    def acquire(self) -> float:
        """Wait for this process's turn to send one request; return the seconds waited.

        Call it right before sending: it returns once this send is confirmed at least one
        spacing after the previous confirmed one, whoever sent that.
        """
        waited = 0.0
        wait = self.reserve()
        while True:
            if wait > 0:
                time.sleep(wait)
                waited += wait
            wait = self.confirm()
            if wait == 0:
                return waited

    def _run(self, script, key: str) -> float:
        try:
            wait_us = script(keys=[key], args=[round(self.spacing * 1_000_000)])
        except redis.RedisError as exc:
            raise TransientNcbiError(f"NCBI rate limiter (Redis) unavailable: {exc}") from exc
        return max(int(wait_us), 0) / 1_000_000
