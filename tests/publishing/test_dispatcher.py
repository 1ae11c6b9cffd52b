"""Finding due work across agencies without crossing the tenant wall: the tickets the
database keeps for waiting targets, and leasing them once."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from govsocial.tenancy import agency_scope
from publishing.dispatcher import due_tickets, tickets_claim
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
