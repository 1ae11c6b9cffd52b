"""The dispatcher's door: the one read of dispatch tickets across agencies, which answers
with ids only, and the wall that stands around it for every other read."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Agency
from govsocial.tenancy import Scope, agency_scope
from publishing.dispatcher import tickets_claim
from publishing.models import DispatchTicket, PostTarget, TargetState
from tests.conftest import Personas
from tests.factories import AgencyFactory, post_target_for, social_account_for

DOOR = "SELECT * FROM publishing_due_tickets(%s)"
COUNT_OF_AGENCY = "SELECT count(*) FROM publishing_dispatchticket WHERE agency_id = %s"


def ticket_for(agency: Agency, *, in_seconds: float) -> DispatchTicket:
    """Schedule a target of ``agency`` due ``in_seconds`` from now; return its ticket."""
    target = post_target_for(
        agency,
        account=social_account_for(agency, remote_id=uuid.uuid4().hex),
        state=TargetState.SCHEDULED,
        next_attempt_at=timezone.now() + timedelta(seconds=in_seconds),
    )
    with agency_scope(agency.pk):
        ticket: DispatchTicket = DispatchTicket.objects.get(target=target)
    return ticket


def through_the_door(cursor: Any) -> tuple[list[str], list[tuple[int, int]]]:
    """Call the door with a generous limit; return its column names and rows."""
    cursor.execute(DOOR, [10_000])
    return [column.name for column in cursor.description], cursor.fetchall()


def bound(who: str, personas: Personas) -> AbstractContextManager[Scope | None]:
    """Bind agency B, or nothing at all, as the dispatcher runs."""
    return agency_scope(personas.agency_b.pk) if who == "agency B" else nullcontext()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agency B", "no agency"])
def test_the_door_gives_agency_a_s_due_ticket_ids_to_a_session_that_cannot_read_them(
    personas: Personas, who: str
) -> None:
    due = ticket_for(personas.agency_a, in_seconds=-1)
    ticket_for(personas.agency_a, in_seconds=3600)
    leased = ticket_for(personas.agency_a, in_seconds=-1)
    tickets_claim(agency_id=personas.agency_a.pk, ticket_ids=[leased.pk], lease_seconds=60)

    with bound(who, personas), connection.cursor() as cursor:
        cursor.execute(COUNT_OF_AGENCY, [personas.agency_a.pk])
        seen = cursor.fetchone()
        # Past the ORM filter on purpose: only row-level security is left.
        unscoped = DispatchTicket.objects.unscoped().filter(agency=personas.agency_a).count()
        names, rows = through_the_door(cursor)

    assert (seen, unscoped) == ((0,), 0)
    assert names == ["agency_id", "ticket_id"], "ids only: no target, time, state or text"
    assert [row for row in rows if row[0] == personas.agency_a.pk] == [
        (personas.agency_a.pk, due.pk)
    ], "only the due ticket nobody holds"


@pytest.mark.django_db
def test_the_door_is_run_as_its_owner_on_a_fixed_path_and_closed_to_public() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.prosecdef, p.proconfig, p.proowner = c.relowner,
                   p.proacl IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) AS a WHERE a.grantee = 0),
                   has_function_privilege(current_user, p.oid, 'EXECUTE')
            FROM pg_proc AS p, pg_class AS c
            WHERE p.proname = 'publishing_due_tickets'
              AND c.oid = 'publishing_dispatchticket'::regclass
            """
        )
        found = cursor.fetchall()

    assert found == [(True, ["search_path=pg_catalog, pg_temp"], True, True, True)]


@pytest.fixture
def committed_due_ticket(django_db_blocker: pytest.FixtureRequest) -> Iterator[DispatchTicket]:
    """Commit a due ticket of a new agency, for other connections to see; take it away
    afterwards so that no later dispatcher hands its target over."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        agency = AgencyFactory(slug=f"door-{uuid.uuid4().hex[:12]}")
        ticket = ticket_for(agency, in_seconds=-1)
        try:
            yield ticket
        finally:
            with agency_scope(agency.pk):
                PostTarget.objects.filter(pk=ticket.target_id).update(state=TargetState.DRAFT)


def test_the_app_role_reads_a_committed_ticket_only_through_the_door(
    committed_due_ticket: DispatchTicket, django_db_blocker: pytest.FixtureRequest
) -> None:
    ticket = committed_due_ticket
    with django_db_blocker.unblock(), connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(
            "SELECT pg_get_userbyid(relowner) = current_user FROM pg_class"
            " WHERE oid = 'publishing_dispatchticket'::regclass"
        )
        owns_the_table = cursor.fetchone()
        cursor.execute(COUNT_OF_AGENCY, [ticket.agency_id])
        seen = cursor.fetchone()
        _, rows = through_the_door(cursor)

    assert owns_the_table == (False,)
    assert seen == (0,)
    assert (ticket.agency_id, ticket.pk) in rows


def test_the_doors_policy_opens_no_session_of_the_tables_owner(
    committed_due_ticket: DispatchTicket,
) -> None:
    ticket = committed_due_ticket
    # The function reads as the owner through a policy of the owner's; a session of the
    # owner itself (migrate, grant_app_role) must stay as walled as before.
    with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:
        seen = owner.execute(COUNT_OF_AGENCY, [ticket.agency_id]).fetchone()
        _, rows = through_the_door(owner.cursor())

    assert seen == (0,)
    assert (ticket.agency_id, ticket.pk) not in rows
