"""A Redis cache that can share a Redis database (the Celery broker's) without harming it."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache


class PrefixedRedisCache(RedisCache):
    """
    Django's Redis cache, except that clear() deletes only this cache's keys (its KEY_PREFIX)
    instead of FLUSHDB: with the broker's database as the cache, a flush would drop queued tasks.
    """

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
