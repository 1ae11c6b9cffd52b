"""``manage.py archive_verify`` finds a row changed behind the application's back, and
the database refuses changes to the archive even from the tables' owner."""

from __future__ import annotations

import os
from collections.abc import Callable
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command

from accounts.models import Agency
from tests.archive.conftest import ARCHIVE_TABLES, tamper_as_owner


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


def test_verify_explains_an_unknown_agency(django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="No agency"):  # type: ignore[attr-defined]
        call_command("archive_verify", agency="no-such-agency")
