"""``manage.py archive_verify`` finds a row changed behind the application's back."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

import archive
from accounts.models import Agency
from archive.services import SYSTEM
from govsocial.tenancy import agency_scope


@pytest.fixture
def committed_agency(django_db_blocker: pytest.FixtureRequest) -> Iterator[Agency]:
    """Commit an agency with six events: the owner's connection must see them."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        agency = Agency.objects.create(name="Tamper Test", slug=f"tamper-{uuid.uuid4().hex[:12]}")
        with agency_scope(agency.pk):
            for n in range(6):
                with transaction.atomic():
                    archive.record(agency=agency, actor=SYSTEM, verb="test.step", data={"n": n})
        yield agency


def tamper_as_owner(agency: Agency, sequence: int) -> None:
    with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:
        owner.execute("SELECT set_config('govsocial.agency_id', %s, false)", [str(agency.pk)])
        owner.execute(
            "ALTER TABLE archive_archiveevent DISABLE TRIGGER archive_refuse_update_delete"
        )
        try:
            owner.execute(
                "UPDATE archive_archiveevent SET data = '{\"n\": 42}' "
                "WHERE agency_id = %s AND sequence = %s",
                [agency.pk, sequence],
            )
        finally:
            owner.execute(
                "ALTER TABLE archive_archiveevent ENABLE TRIGGER archive_refuse_update_delete"
            )


def test_the_owner_cannot_change_an_event_while_the_trigger_stands(
    committed_agency: Agency,
) -> None:
    with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:
        owner.execute(
            "SELECT set_config('govsocial.agency_id', %s, false)", [str(committed_agency.pk)]
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute(
                "DELETE FROM archive_archiveevent WHERE agency_id = %s", [committed_agency.pk]
            )


def test_verify_names_the_first_tampered_sequence(
    committed_agency: Agency, django_db_blocker: pytest.FixtureRequest
) -> None:
    out = StringIO()
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("archive_verify", agency=committed_agency.slug, stdout=out)
        assert "6 events, chain intact" in out.getvalue()
        tamper_as_owner(committed_agency, sequence=4)
        out = StringIO()
        with pytest.raises(CommandError, match="1 chain"):
            call_command("archive_verify", agency=committed_agency.slug, stdout=out)
    assert "chain broken at sequence 4" in out.getvalue()
    assert "3 events before it are intact" in out.getvalue()


def test_verify_explains_an_unknown_agency(django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="No agency"):  # type: ignore[attr-defined]
        call_command("archive_verify", agency="no-such-agency")
