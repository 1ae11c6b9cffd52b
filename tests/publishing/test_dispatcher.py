"""Finding due work across agencies without crossing the tenant wall: the tickets the
database keeps for waiting targets, leasing them once, and handing over again what the
broker lost."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.utils import timezone

from govsocial.tenancy import agency_scope
from publishing import dispatcher as dispatching
from publishing.dispatcher import Dispatcher, due_tickets, tickets_claim
from publishing.models import DispatchTicket, PostTarget, TargetState
from tests.conftest import Personas
from tests.factories import post_target_for, social_account_for

pytestmark = pytest.mark.django_db


def scheduled(personas: Personas, *, in_seconds: float = -1, agency: str = "a") -> PostTarget:
    """Store a scheduled target of agency A (or B), due ``in_seconds`` from now."""
    owner = personas.agency_a if agency == "a" else personas.agency_b
    return post_target_for(
        owner,
        account=social_account_for(owner, remote_id=uuid.uuid4().hex),
        state=TargetState.SCHEDULED,
        next_attempt_at=timezone.now() + timedelta(seconds=in_seconds),
    )


def ticket_of(target: PostTarget) -> DispatchTicket | None:
    with agency_scope(target.agency_id):
        return DispatchTicket.objects.filter(target=target).first()


def due_ids(personas: Personas) -> set[int]:
    """Return the due tickets' ids of this test's agencies, read with no agency bound."""
    found = due_tickets(limit=10_000)
    ours = (personas.agency_a.pk, personas.agency_b.pk)
    return {ticket for agency in ours for ticket in found.get(agency, [])}


def move(target: PostTarget, **fields: object) -> None:
    with agency_scope(target.agency_id):
        PostTarget.objects.filter(pk=target.pk).update(**fields)


def test_a_scheduled_target_has_a_ticket_due_at_its_time(personas: Personas) -> None:
    target = scheduled(personas, in_seconds=3600)

    ticket = ticket_of(target)

    assert ticket is not None
    assert ticket.due_at == target.next_attempt_at
    assert ticket.state == TargetState.SCHEDULED
    assert ticket.lease_until is None


@pytest.mark.parametrize(
    "state", [TargetState.PUBLISHED, TargetState.FAILED, TargetState.HELD, TargetState.DRAFT]
)
def test_a_target_that_waits_for_nothing_has_no_ticket(personas: Personas, state: str) -> None:
    target = scheduled(personas)

    move(target, state=state)

    assert ticket_of(target) is None


def test_a_ticket_follows_its_targets_state_and_time(personas: Personas) -> None:
    target = scheduled(personas)
    later = timezone.now() + timedelta(minutes=5)

    move(target, state=TargetState.RETRY_WAIT, next_attempt_at=later)

    ticket = ticket_of(target)
    assert ticket is not None
    assert (ticket.state, ticket.due_at) == (TargetState.RETRY_WAIT, later)


def test_the_dispatcher_sees_every_agencys_due_tickets_and_nothing_else_of_them(
    personas: Personas,
) -> None:
    due_a, due_b = scheduled(personas), scheduled(personas, agency="b")
    scheduled(personas, in_seconds=3600)

    found = due_ids(personas)

    assert found == {ticket.pk for ticket in (ticket_of(due_a), ticket_of(due_b)) if ticket}
    # The same unbound dispatcher reads no target itself.
    with pytest.raises(Exception, match="no agency bound"):
        PostTarget.objects.filter(pk=due_a.pk).exists()


def test_the_dispatcher_takes_the_longest_due_first_and_no_more_than_its_batch(
    personas: Personas,
) -> None:
    # Due long ago, so that no ticket left due by another test comes before them.
    year = 365 * 24 * 3600
    oldest, older = (
        scheduled(personas, in_seconds=-3 * year),
        scheduled(personas, in_seconds=-2 * year),
    )
    scheduled(personas, in_seconds=-year, agency="b")

    found = due_tickets(limit=2)

    assert [ticket for ids in found.values() for ticket in ids] == [
        ticket.pk for ticket in (ticket_of(oldest), ticket_of(older)) if ticket
    ]


def test_a_due_ticket_is_leased_once(personas: Personas) -> None:
    target = scheduled(personas)
    ids = list(due_ids(personas))

    first = tickets_claim(agency_id=personas.agency_a.pk, ticket_ids=ids, lease_seconds=60)
    second = tickets_claim(agency_id=personas.agency_a.pk, ticket_ids=ids, lease_seconds=60)

    assert (first, second) == ([target.pk], [])
    assert due_ids(personas) == set(), "a leased ticket is not due again"
    ticket = ticket_of(target)
    assert ticket is not None and ticket.lease_until is not None


def test_a_lease_that_ran_out_is_handed_over_again(personas: Personas) -> None:
    target = scheduled(personas)
    ids = list(due_ids(personas))
    tickets_claim(agency_id=personas.agency_a.pk, ticket_ids=ids, lease_seconds=0.2)

    time.sleep(0.3)

    assert due_ids(personas) == set(ids)
    assert tickets_claim(agency_id=personas.agency_a.pk, ticket_ids=ids, lease_seconds=60) == [
        target.pk
    ]


def test_a_move_of_the_target_ends_its_lease(personas: Personas) -> None:
    target = scheduled(personas)
    tickets_claim(
        agency_id=personas.agency_a.pk, ticket_ids=list(due_ids(personas)), lease_seconds=60
    )

    move(target, state=TargetState.SENDING, next_attempt_at=timezone.now())

    ticket = ticket_of(target)
    assert ticket is not None
    assert (ticket.state, ticket.lease_until) == (TargetState.SENDING, None)


def test_another_agency_cannot_lease_the_tickets_the_dispatcher_found(personas: Personas) -> None:
    target = scheduled(personas)
    ids = list(due_ids(personas))

    leased = tickets_claim(agency_id=personas.agency_b.pk, ticket_ids=ids, lease_seconds=60)

    assert leased == []
    ticket = ticket_of(target)
    assert ticket is not None and ticket.lease_until is None


def test_a_hand_over_untaken_once_the_queue_is_empty_is_due_again_once_in_its_lease(
    personas: Personas,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.DELIVERY_QUEUE = f"dispatch-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(dispatching, "UNTAKEN_AFTER_SECONDS", 0)
    target = scheduled(personas)
    ticket = ticket_of(target)
    assert ticket is not None
    dispatcher = Dispatcher(lease_seconds=60)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            dispatcher.dispatch_once()
        assert broker.llen(settings.DELIVERY_QUEUE) == 1

        assert dispatcher.untaken_hand_over_again() == 0, "a task in the queue is not lost"
        assert ticket.pk not in due_ids(personas)

        broker.delete(settings.DELIVERY_QUEUE)
        assert dispatcher.untaken_hand_over_again() == 1
        assert ticket.pk in due_ids(personas), "due again long before its lease ends"

        with django_capture_on_commit_callbacks(execute=True):
            dispatcher.dispatch_once()
        broker.delete(settings.DELIVERY_QUEUE)
        assert dispatcher.untaken_hand_over_again() == 0, "early once in a lease"
        assert ticket.pk not in due_ids(personas)
    finally:
        broker.delete(settings.DELIVERY_QUEUE)
