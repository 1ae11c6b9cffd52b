"""A delivery worker's proof of life: a send whose worker is gone is taken as lost at its
first check rather than after the longest a send could take, and settled sooner; a
worker whose session ended starts no call for what it had claimed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from govsocial.tenancy import agency_scope
from publishing.liveness import FRESH_SECONDS, Liveness
from publishing.models import PostTarget, TargetState
from publishing.networks.base import TransientNetworkError, write_starts, writes_start_by
from publishing.services.transitions import Unanswered
from tests.conftest import Personas
from tests.delivery_processes import wait_for
from tests.emulator_client import Emulator
from tests.publishing.delivery import NETWORK_TIMEOUT, one_target, reconcile

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_life() -> Iterator[Liveness]:
    """A proof of life as a delivery worker holds one, taken."""
    life = Liveness()
    life.start()
    try:
        wait_for(lambda: life.key() is not None, timeout=60, what="taking the lock")
        yield life
    finally:
        life.stop()


def end_session(key: int) -> None:
    """End the database session that holds ``key``'s lock, as a restarted database or
    a cut connection would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 1",
            [key >> 32, key & 0xFFFFFFFF],
        )


def sending(target: PostTarget, sender: int, at: datetime) -> PostTarget:
    """Store ``target`` as claimed by the worker holding ``sender`` at ``at``, and due
    to be checked on."""
    with agency_scope(target.agency_id):
        PostTarget.objects.filter(pk=target.pk).update(
            state=TargetState.SENDING,
            attempts=1,
            sending_at=at,
            sender=sender,
            next_attempt_at=timezone.now(),
        )
        return PostTarget.objects.get(pk=target.pk)


def test_a_send_whose_worker_lives_is_left_sending_and_one_whose_worker_is_gone_is_looked_for(
    personas: Personas, quiet: Emulator, worker_life: Liveness, settings: Any
) -> None:
    # The shipped margin for reads and uploads: a minute, far more than a dead worker
    # can go on starting calls.
    settings.DELIVERY_SENDING_MARGIN_SECONDS = 60
    key = worker_life.key()
    assert key is not None
    claimed_at = timezone.now() - timedelta(seconds=1)
    target = sending(one_target(personas, quiet, "mastodon"), key, claimed_at)

    assert reconcile(target) is None, "its worker lives: its answer may still come"

    end_session(key)
    wait_for(lambda: not worker_life.holds(key), timeout=60, what="the worker knowing")
    checked = reconcile(target)

    assert checked is not None and checked.state == TargetState.UNCONFIRMED
    assert checked.sender_gone_at is not None
    gone = Unanswered(claimed_at, checked.sender_gone_at)
    assert gone.lost()
    calls_ended = timedelta(seconds=FRESH_SECONDS + NETWORK_TIMEOUT)
    settle = timedelta(seconds=settings.DELIVERY_RECONCILE_SETTLE_SECONDS)
    assert gone.settled_at() == checked.sender_gone_at + calls_ended + settle
    assert gone.settled_at() < Unanswered(claimed_at).settled_at()


def test_a_worker_whose_session_ended_starts_no_call_for_what_it_claimed(
    worker_life: Liveness,
) -> None:
    key = worker_life.key()
    assert key is not None
    later = timezone.now() + timedelta(hours=1)
    with writes_start_by(later, alive=partial(worker_life.holds, key)):
        write_starts()

    end_session(key)

    wait_for(lambda: not worker_life.holds(key), timeout=60, what="the worker knowing")
    with (
        writes_start_by(later, alive=partial(worker_life.holds, key)),
        pytest.raises(TransientNetworkError),
    ):
        write_starts()
    wait_for(lambda: worker_life.key() not in (None, key), timeout=60, what="a new proof of life")
