"""Archive fixtures: agencies whose events are committed, for other connections to see."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from django.db import transaction
from django.utils import timezone
from psycopg.rows import dict_row

import archive
from accounts.models import Agency, Role, User
from archive.models import RecordsRequest
from archive.requests import request_open, search_save
from archive.services import SYSTEM, earlier_transactions_wait, log_integrate
from govsocial.tenancy import agency_scope
from tests.factories import MembershipFactory


@pytest.fixture
def committed_agency(django_db_blocker: pytest.FixtureRequest) -> Callable[[int], Agency]:
    """Return a function that commits a new agency with ``n`` events, placed in its log
    as the sequencer places them.

    The rows stay: the test database is created afresh for every run.
    """

    def make(events: int) -> Agency:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            agency = Agency.objects.create(
                name="Committed", slug=f"committed-{uuid.uuid4().hex[:12]}"
            )
            with agency_scope(agency.pk):
                for n in range(events):
                    with transaction.atomic():
                        archive.record(agency=agency, actor=SYSTEM, verb="test.step", data={"n": n})
            all_placed(agency)
        return agency

    return make


@pytest.fixture
def new_agency(
    committed_agency: Callable[[int], Agency], django_db_blocker: pytest.FixtureRequest
) -> Iterator[Agency]:
    """A new agency with no events yet, and tests that may use the database."""
    made = committed_agency(0)
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield made


# How long a test waits for transactions of other jobs on the same server to end.
OTHERS_WITHIN = 300.0


def placed(agency: Agency) -> int:
    """Place the agency's committed events in its log now, as the sequencer does within
    the merge delay; return how many. Events whose transaction began after one still
    running (in any database of the server) wait: see ``all_placed``."""
    with agency_scope(agency.pk):
        return log_integrate(agency_id=agency.pk, limit=None)


def all_placed(agency: Agency) -> int:
    """Place every event the agency committed before now, once the transactions begun
    before now (another job's on the same server, say) have ended; return how many."""
    earlier_transactions_wait(within=OTHERS_WITHIN)
    return placed(agency)


def small_agencies_counted(committed_agency: Callable[[int], Agency]) -> None:
    """Commit 30 agencies of two events each and have PostgreSQL gather the archive's
    statistics then, as its autovacuum does: an agency the statistics do not know (one
    made afterwards) is then estimated at a row or two, whatever its size, and an index
    that begins with the agency looks as cheap a way to one event's row as its own."""
    for _ in range(30):
        committed_agency(2)
    with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:
        owner.execute("ANALYZE archive_archiveevent, archive_archiveleaf")


# Every table of the archive, each refusing changes through its triggers.
ARCHIVE_TABLES = (
    "archive_archiveevent",
    "archive_archiveleaf",
    "archive_archivesubtree",
    "archive_archivehead",
)


@contextmanager
def as_owner(agency: Agency) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """Connect as the tables' owner with the archive's refusing triggers disabled, as an
    attacker with the database's keys would."""
    with psycopg.connect(
        os.environ["DATABASE_OWNER_URL"], autocommit=True, row_factory=dict_row
    ) as owner:
        owner.execute("SELECT set_config('govsocial.agency_id', %s, false)", [str(agency.pk)])
        for table in ARCHIVE_TABLES:
            owner.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            yield owner
        finally:
            for table in ARCHIVE_TABLES:
                owner.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def tamper_as_owner(agency: Agency, position: int) -> None:
    """Change the data of the event at ``position`` of the agency's log as the tables'
    owner, with the refusing triggers disabled."""
    with as_owner(agency) as owner:
        owner.execute(
            "UPDATE archive_archiveevent SET data = '{\"n\": 42}' WHERE id ="
            " (SELECT event_id FROM archive_archiveleaf WHERE agency_id = %s AND position = %s)",
            [agency.pk, position],
        )


@pytest.fixture
def officer(new_agency: Agency) -> User:
    """A records officer of the new agency."""
    user: User = MembershipFactory(agency=new_agency, roles=[Role.RECORDS_OFFICER]).user
    return user


def request_with_search(
    agency: Agency,
    officer: User,
    kind: str,
    criteria: dict[str, str],
    subject: str = "Everything you hold about me",
) -> RecordsRequest:
    """Open a request of ``kind`` from Amara Okafor, received today, asking ``subject``,
    with one search saved on it."""
    with agency_scope(agency.pk):
        request = request_open(
            agency=agency,
            actor=officer,
            person=officer,
            kind=kind,
            requester="Amara Okafor",
            requester_email="amara@example.org",
            subject=subject,
            received_on=timezone.localdate(),
        )
        search_save(request=request, actor=officer, person=officer, name="Me", criteria=criteria)
    return request
