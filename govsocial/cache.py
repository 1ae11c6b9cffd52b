"""The shared cache: Django's Redis cache, keeping the Redis clients it makes."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import Redis


class _KeptClient(RedisCacheClient):
    """Django's client, except that the Redis client it makes for reading, and the one
    for writing, are kept rather than made again for every call (copying a hundred-odd
    reply handlers each time: 40 % of a cache read, four of them on every API request).
    A Redis client takes a connection from its pool for each command, so one serves
    every thread. The cache has one server (``REDIS_URL``), so a read has no replica to
    choose."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[bool, Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Redis:
        client = self._clients.get(write)
        if client is None:
            client = self._clients[write] = super().get_client(key, write=write)
        return client


class SharedCache(RedisCache):
    """The cache every process shares (``CACHES["default"]``)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _KeptClient
