"""``manage.py archive_verify`` finds a row changed behind the application's back, and
the database refuses changes to the archive even from the tables' owner."""

from __future__ import annotations

import os
from collections.abc import Callable
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from accounts.models import Agency
from archive.verification import log_verify
from govsocial.tenancy import agency_scope
from tests.archive.conftest import ARCHIVE_TABLES, small_agencies_counted, tamper_as_owner


@pytest.mark.parametrize("table", ARCHIVE_TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM {table} WHERE agency_id = %s",
        "UPDATE {table} SET agency_id = %s",
        "TRUNCATE {table} CASCADE",
    ],
)
def test_the_owner_cannot_change_the_archive_while_its_triggers_stand(
    committed_agency: Callable[[int], Agency],
    django_db_blocker: pytest.FixtureRequest,
    table: str,
    statement: str,
) -> None:
    agency = committed_agency(2)
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("archive_sign", agency=agency.slug, stdout=StringIO())
    with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:
        owner.execute("SELECT set_config('govsocial.agency_id', %s, false)", [str(agency.pk)])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute(
                statement.format(table=table),  # type: ignore[arg-type]
                [agency.pk] if "%s" in statement else [],
            )


def test_verify_names_the_first_tampered_position(
    committed_agency: Callable[[int], Agency], django_db_blocker: pytest.FixtureRequest
) -> None:
    agency = committed_agency(6)
    out = StringIO()
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("archive_verify", agency=agency.slug, stdout=out)
        assert "6 events intact, matching its 0 signed heads" in out.getvalue()
        tamper_as_owner(agency, position=3)
        out = StringIO()
        with pytest.raises(CommandError, match="1 problem"):
            call_command("archive_verify", agency=agency.slug, stdout=out)
    assert (
        "damaged at position 3: its content does not match its commitment;"
        " the 3 events before it are intact"
    ) in out.getvalue()


def test_verify_reads_each_event_of_a_new_agencys_log_once(
    committed_agency: Callable[[int], Agency], django_db_blocker: pytest.FixtureRequest
) -> None:
    # Once statistics were gathered over many small agencies, a new agency's events were
    # each found through an index that begins with the agency, reading all of its events
    # for each: 600 events read 180,000 rows, and 100,000 would have taken hours.
    small_agencies_counted(committed_agency)
    agency = committed_agency(600)
    with django_db_blocker.unblock(), agency_scope(agency.pk), transaction.atomic():  # type: ignore[attr-defined]
        before = scans_counted()
        report = log_verify(agency_id=agency.pk)
        scans = scans_counted() - before
    assert (report.events_checked, report.problem) == (600, "")
    # A handful of statements, each reading each table once or twice: 2,410 scans
    # before, each table about twice for each event.
    assert scans <= 20, scans


def scans_counted() -> int:
    """Return how many scans of the events' and the leaves' tables this connection
    counted and has not reported yet (those of this transaction among them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(seq_scan + coalesce(idx_scan, 0)) FROM pg_stat_xact_user_tables"
            " WHERE relname IN ('archive_archiveevent', 'archive_archiveleaf')"
        )
        return int(cursor.fetchone()[0])


def test_verify_explains_an_unknown_agency(django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="No agency"):  # type: ignore[attr-defined]
        call_command("archive_verify", agency="no-such-agency")
