"""The shared cache keeps its Redis clients, and one client serves many threads."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import caches

from govsocial.cache import SharedCache


def test_the_shared_cache_makes_its_redis_clients_once_and_threads_share_them() -> None:
    cache = caches["default"]
    assert isinstance(cache, SharedCache)
    client = cache._cache
    assert client.get_client() is client.get_client()
    assert client.get_client(write=True) is client.get_client(write=True)

    run = uuid.uuid4().hex

    def round_trip(n: int) -> tuple[int, object]:
        key = f"test-cache-{run}-{n}"
        cache.set(key, n, timeout=60)
        value = cache.get(key)
        cache.delete(key)
        return n, value

    with ThreadPoolExecutor(max_workers=8) as threads:
        answers = list(threads.map(round_trip, range(200)))
    assert answers == [(n, n) for n in range(200)]
