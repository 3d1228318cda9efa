"""One NCBI request budget for every process: a token bucket kept in Redis.

NCBI allows 3 requests/s per client without an API key and 10 with one, and blocks clients
that go over. Biopython spaces requests only inside one process; Celery workers and the web
process are many processes, so the budget lives in Redis.

The bucket holds one token (no bursts), so no one-second window ever sees more requests than
the limit. It is kept the GCRA way: Redis stores the time the next token is due, and a Lua
script (atomic, using Redis's clock so processes with skewed clocks agree) reserves the next
free slot and returns how long the caller must sleep before using it. Reserving rather than
polling means waiters are served in order and nobody spins on Redis.
"""

from __future__ import annotations

import time

import redis

from irtkb.redis_clients import redis_client
from papers.pubmed.errors import TransientNcbiError

# Biopython's in-process spacing (Bio.Entrez._open): 0.37 s without a key, 0.1 s with one.
# Spacing at least that far apart means Biopython never adds a second wait of its own; the
# 10 % margin over 1/limit absorbs network jitter so NCBI never counts one request too many.
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


def spacing_seconds(requests_per_second: int) -> float:
    """Return the gap kept between any two requests for a limit of ``requests_per_second``."""
    return max(_MARGIN / requests_per_second, _BIOPYTHON_SPACING.get(requests_per_second, 0.0))


class RedisRateLimiter:
    """Hand out request slots from a Redis key shared by every process that uses it."""

    def __init__(self, *, redis_url: str, key: str, requests_per_second: int) -> None:
        self.key = key
        self.spacing = spacing_seconds(requests_per_second)
        self._redis = redis_client(redis_url)
        self._script = self._redis.register_script(_RESERVE_SLOT)

    def reserve(self) -> float:
        """Reserve the next free slot and return the seconds until it starts."""
        try:
            wait_us = self._script(keys=[self.key], args=[round(self.spacing * 1_000_000)])
        except redis.RedisError as exc:
            raise TransientNcbiError(f"NCBI rate limiter (Redis) unavailable: {exc}") from exc
        return max(int(wait_us), 0) / 1_000_000

    def acquire(self) -> float:
        """Wait for this process's turn to send one request; return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            time.sleep(wait)
        return wait
