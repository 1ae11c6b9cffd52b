"""Runs side by side each hold a slot of their own: a database and a Redis database."""

from __future__ import annotations

import os

import redis

from govsocial.launch.redis_embedded import with_db
from govsocial.launch.slots import run_slot


def test_runs_side_by_side_hold_slots_of_their_own_and_give_them_back() -> None:
    url = os.environ["REDIS_URL"]
    slots = redis.Redis.from_url(with_db(url, 0))

    with run_slot(url) as first, run_slot(url) as second:
        assert first != second
        # This test's own run holds a slot too.
        assert with_db(url, first) != url and with_db(url, second) != url
        assert slots.exists(f"govsocial:run-slot:{first}", f"govsocial:run-slot:{second}") == 2

    assert slots.exists(f"govsocial:run-slot:{first}", f"govsocial:run-slot:{second}") == 0
