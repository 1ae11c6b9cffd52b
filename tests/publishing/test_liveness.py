"""A delivery worker's proof of life: a send whose worker is gone (a post's, or its first
comment's) is taken as lost at its first check rather than after the longest a send
could take, and settled sooner; a worker whose session ended starts no call for what it
had claimed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from govsocial.tenancy import agency_scope
from publishing.liveness import FRESH_SECONDS, Liveness, holders
from publishing.models import CommentState, PostTarget, TargetState
from publishing.networks.base import TransientNetworkError, write_starts, writes_start_by
from publishing.services.transitions import Unanswered
from tests.conftest import Personas
from tests.delivery_processes import wait_for
from tests.emulator_client import Emulator
from tests.publishing.delivery import NETWORK_TIMEOUT, comment, one_target, reconcile

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
        for pid in holders(key):
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


# What a worker claimed, stored as it stores it: the post, or its first comment once
# the post is out; with the check that settles it and the state it is then in.
CLAIMED: dict[str, tuple[dict[str, Any], Callable[[PostTarget], PostTarget | None], str]] = {
    "post": ({"state": TargetState.SENDING, "attempts": 1}, reconcile, "state"),
    "first comment": (
        {
            "state": TargetState.PUBLISHED,
            "remote_id": "109000000000000001",
            "first_comment": "Details on the city's site.",
            "comment_state": CommentState.SENDING,
            "comment_attempts": 1,
        },
        comment,
        "comment_state",
    ),
}


def sending(target: PostTarget, what: str, sender: int, at: datetime) -> PostTarget:
    """Store ``what`` of ``target`` as claimed by the worker holding ``sender`` at
    ``at``, and due to be checked on."""
    fields, _, _ = CLAIMED[what]
    at_field = "sending_at" if what == "post" else "comment_sending_at"
    with agency_scope(target.agency_id):
        PostTarget.objects.filter(pk=target.pk).update(
            **fields, **{at_field: at}, sender=sender, next_attempt_at=timezone.now()
        )
        return PostTarget.objects.get(pk=target.pk)


@pytest.mark.parametrize("what", CLAIMED)
def test_a_send_whose_worker_lives_is_left_sending_and_one_whose_worker_is_gone_is_looked_for(
    personas: Personas, quiet: Emulator, worker_life: Liveness, settings: Any, what: str
) -> None:
    # The shipped margin for reads and uploads: a minute, far more than a dead worker
    # can go on starting calls.
    settings.DELIVERY_SENDING_MARGIN_SECONDS = 60
    _, check, state = CLAIMED[what]
    key = worker_life.key()
    assert key is not None
    claimed_at = timezone.now() - timedelta(seconds=1)
    target = sending(one_target(personas, quiet, "mastodon"), what, key, claimed_at)

    assert check(target) is None, "its worker lives: its answer may still come"

    end_session(key)
    wait_for(lambda: not worker_life.holds(key), timeout=60, what="the worker knowing")
    checked = check(target)

    assert checked is not None and getattr(checked, state) == "unconfirmed"
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
