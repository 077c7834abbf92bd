"""
A Redis cache that can share a Redis database (the Celery broker's) without harming it, and
that a Redis outage cannot turn into failed requests.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# After a failed call, calls skip Redis for this long: a request during an outage pays for
# one failed connection per process and period, not one per cache call.
RETRY_AFTER_SECONDS = 5.0


class _TolerantClient(RedisCacheClient):
    """
    While Redis cannot be reached, a read misses and a write is dropped instead of raising.
    What Leadscore keeps in the cache may be lost: throttle counters (limits are not enforced
    meanwhile), website rate-limit windows, and copies of sessions kept in the database too
    (cached_db). With the broker's Redis as the cache, an outage of the broker would otherwise
    fail every API request and logged-in page, which the outbox exists to keep answering.
    """

    _down_until = 0.0

    def _call(self, default: Any, method: str, *args: Any) -> Any:
        if time.monotonic() < self._down_until:
            return default
        try:
            return getattr(super(), method)(*args)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "Cache unreachable, %s skipped for %.0f s: %s", method, RETRY_AFTER_SECONDS, exc
            )
            return default

    def add(self, key, value, timeout):
        return self._call(False, "add", key, value, timeout)

    def get(self, key, default):
        return self._call(default, "get", key, default)

    def set(self, key, value, timeout):
        return self._call(None, "set", key, value, timeout)

    def touch(self, key, timeout):
        return self._call(False, "touch", key, timeout)

    def delete(self, key):
        return self._call(False, "delete", key)

    def get_many(self, keys):
        return self._call({}, "get_many", keys)

    def has_key(self, key):
        return self._call(False, "has_key", key)

    def incr(self, key, delta):
        # As if the window had just begun: counters count this call alone.
        return self._call(delta, "incr", key, delta)

    def set_many(self, data, timeout):
        return self._call([], "set_many", data, timeout)

    def delete_many(self, keys):
        return self._call(None, "delete_many", keys)


class PrefixedRedisCache(RedisCache):
    """
    Django's Redis cache, except that clear() deletes only this cache's keys (its KEY_PREFIX)
    instead of FLUSHDB: with the broker's database as the cache, a flush would drop queued
    tasks; and that an unreachable Redis makes misses, not errors (_TolerantClient).
    """

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _TolerantClient

    def clear(self) -> bool:
        client = self._cache.get_client(None, write=True)
        pattern = f"{self.key_prefix}:*" if self.key_prefix else "*"
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True
