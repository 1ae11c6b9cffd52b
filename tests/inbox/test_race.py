"""Two receipts of the same items at once (a push and a poll, two workers), each in its
own connection: every item is stored and recorded exactly once."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from govsocial.tenancy import agency_scope
from inbox.services import RECEIVED, items_receive
from tests.emulator_client import Emulator
from tests.factories import AgencyFactory, emulated_account_for
from tests.inbox.conftest import citizen, events, items


def test_two_receipts_of_the_same_items_at_once_store_and_record_each_once(
    quiet: Emulator, django_db_blocker: pytest.FixtureRequest
) -> None:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        # Committed, for the racers' own connections to see.
        agency = AgencyFactory(slug=f"race-{uuid.uuid4().hex[:8]}")
        account = emulated_account_for(agency, quiet, "mastodon", "riverton")
    batch = [citizen(f"c{n}", f"Comment {n}") for n in range(20)]
    start = threading.Barrier(2)
    made: list[int] = []

    def receive() -> None:
        try:
            with django_db_blocker.unblock(), agency_scope(agency.pk):  # type: ignore[attr-defined]
                start.wait()
                made.append(len(items_receive(account=account, items=batch)))
        finally:
            connection.close()

    racers = [threading.Thread(target=receive) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=120)

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        assert len(made) == 2 and sum(made) == 20
        assert len(items(agency)) == 20
        assert len(events(agency, RECEIVED)) == 20
