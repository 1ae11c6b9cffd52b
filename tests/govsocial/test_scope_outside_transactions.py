"""Statements outside any transaction, as tasks and commands run them: each bound one is
given a transaction carrying its agency, and one bound to nothing runs as it is and
sees no agency's rows, on the same connection right after a bound one."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection

from accounts.models import Agency, Membership, Role
from govsocial.tenancy import agency_scope
from tests.factories import UserFactory


def memberships_seen(agency: Agency) -> int:
    """Return the agency's memberships the database shows, past the ORM's wall."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_membership WHERE agency_id = %s", [agency.pk])
        (count,) = cursor.fetchone()
    return int(count)


def test_a_statement_bound_to_nothing_sees_no_agency_after_one_bound_to_an_agency(
    django_db_blocker: Any,
) -> None:
    # Committed (the test database is made afresh for each run): outside a transaction
    # is where the statements are.
    with django_db_blocker.unblock():
        assert connection.get_autocommit()
        tag = uuid.uuid4().hex[:12]
        agency = Agency.objects.create(name=f"Agency {tag}", slug=f"outside-{tag}")
        with agency_scope(agency.pk):
            Membership.objects.create(
                agency=agency, user=UserFactory(two_factor=False), roles=[Role.ADMIN]
            )
            assert memberships_seen(agency) == 1
        assert memberships_seen(agency) == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('govsocial.agency_id', true)")
            assert cursor.fetchone() in {("",), (None,)}
        with agency_scope(agency.pk):
            assert memberships_seen(agency) == 1
        assert memberships_seen(agency) == 0
