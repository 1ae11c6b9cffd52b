"""Give each test or benchmark run a slot of its own: a database and a Redis logical
database that no other run on the machine uses meanwhile, so that ``make test`` can run
beside another ``make test`` (or ``make bench``) without either emptying the other's.

Slots are held as keys in Redis logical database 0 (``make run``'s), set only if absent
and released at the end; a run that crashed holds its slot until the key expires.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from govsocial.launch.common import LaunchError
from govsocial.launch.redis_embedded import with_db

# Redis logical databases 1 to 15 (16 exist by default); 0 is make run's.
SLOTS = range(1, 16)
# Longer than any run; only a run that crashed waits this long to give its slot back.
SLOT_SECONDS = 6 * 60 * 60


@contextmanager
def run_slot(redis_url: str) -> Iterator[int]:
    """Hold the first free slot while the block runs; yield its number."""
    import redis

    client = redis.Redis.from_url(with_db(redis_url, 0), socket_timeout=5)
    holder = f"{os.getpid()}-{uuid.uuid4().hex}"
    try:
        for slot in SLOTS:
            key = f"govsocial:run-slot:{slot}"
            if client.set(key, holder, nx=True, ex=SLOT_SECONDS):
                break
        else:
            raise LaunchError(
                f"all {len(SLOTS)} test and benchmark slots are taken by other runs "
                "(each is freed when its run ends, or 6 hours after a run crashed)"
            )
        try:
            yield slot
        finally:
            if client.get(key) == holder.encode():
                client.delete(key)
    except (redis.RedisError, OSError) as error:
        raise LaunchError(f"cannot take a test slot in Redis: {error}") from None
    finally:
        client.close()
