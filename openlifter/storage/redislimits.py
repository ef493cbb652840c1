"""Attempts per client address counted in Redis, so every server process shares one
limit (SPEC section 8): an address spreading its failed joins or its creates over the
processes gets no more than it would on one.

A sliding window per address and kind, a sorted set of attempt times; one Lua script
counts and admits atomically, on Redis's clock, and the key expires with its window.
"""

from __future__ import annotations

import secrets
from typing import Any

from openlifter.storage.redisconn import redis_errors

# KEYS: the address's set. ARGV: window ms, attempts allowed per window, a new attempt's id.
TAKE_SCRIPT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now_ms, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""


class RedisAttempts:
    """``SharedAttempts`` in one Redis: blocking, called from the storage threads."""

    def __init__(self, client: Any, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._take = client.register_script(TAKE_SCRIPT)

    def _key(self, kind: str, address: str) -> str:
        return f"{self._prefix}attempts:{kind}:{address}"

    def take(self, kind: str, address: str, per_window: int, window_seconds: float) -> str | None:
        attempt = secrets.token_hex(8)
        with redis_errors("counting attempts"):
            admitted = self._take(keys=[self._key(kind, address)], args=[max(1, int(window_seconds * 1000)), per_window, attempt])
        return attempt if admitted else None

    def give_back(self, kind: str, address: str, attempt: str) -> None:
        with redis_errors("giving an attempt back"):
            self._client.zrem(self._key(kind, address), attempt)
