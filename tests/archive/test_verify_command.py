"""``manage.py archive_verify`` finds a row changed behind the application's back."""

from __future__ import annotations

import os
from collections.abc import Callable
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command

from accounts.models import Agency
from tests.archive.conftest import tamper_as_owner


def test_the_owner_cannot_change_an_event_while_the_trigger_stands(
    committed_agency: Callable[[int], Agency],
) -> None:
    agency = committed_agency(2)
    with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:
        owner.execute("SELECT set_config('govsocial.agency_id', %s, false)", [str(agency.pk)])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute("DELETE FROM archive_archiveevent WHERE agency_id = %s", [agency.pk])


def test_verify_names_the_first_tampered_sequence(
    committed_agency: Callable[[int], Agency], django_db_blocker: pytest.FixtureRequest
) -> None:
    agency = committed_agency(6)
    out = StringIO()
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("archive_verify", agency=agency.slug, stdout=out)
        assert "6 events, chain intact" in out.getvalue()
        tamper_as_owner(agency, sequence=4)
        out = StringIO()
        with pytest.raises(CommandError, match="1 problem"):
            call_command("archive_verify", agency=agency.slug, stdout=out)
    assert "chain broken at sequence 4" in out.getvalue()
    assert "3 events before it are intact" in out.getvalue()


def test_verify_explains_an_unknown_agency(django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="No agency"):  # type: ignore[attr-defined]
        call_command("archive_verify", agency="no-such-agency")
