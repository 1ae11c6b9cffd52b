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
from psycopg.rows import dict_row

import archive
from accounts.models import Agency
from archive.services import SYSTEM
from govsocial.tenancy import agency_scope


@pytest.fixture
def committed_agency(django_db_blocker: pytest.FixtureRequest) -> Callable[[int], Agency]:
    """Return a function that commits a new agency with ``n`` events in its chain.

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
        return agency

    return make


@contextmanager
def as_owner(agency: Agency) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """Connect as the tables' owner with the archive's refusing triggers disabled, as an
    attacker with the database's keys would."""
    with psycopg.connect(
        os.environ["DATABASE_OWNER_URL"], autocommit=True, row_factory=dict_row
    ) as owner:
        owner.execute("SELECT set_config('govsocial.agency_id', %s, false)", [str(agency.pk)])
        owner.execute("ALTER TABLE archive_archiveevent DISABLE TRIGGER USER")
        try:
            yield owner
        finally:
            owner.execute("ALTER TABLE archive_archiveevent ENABLE TRIGGER USER")


def tamper_as_owner(agency: Agency, sequence: int) -> None:
    """Change one event's data as the tables' owner, with the refusing trigger disabled."""
    with as_owner(agency) as owner:
        owner.execute(
            "UPDATE archive_archiveevent SET data = '{\"n\": 42}' "
            "WHERE agency_id = %s AND sequence = %s",
            [agency.pk, sequence],
        )
