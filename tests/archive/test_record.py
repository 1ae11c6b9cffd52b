"""Recording events: in the caller's transaction, append-only, each committing to its
content through a salt of its own, the same bytes in every time zone."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.db.utils import ProgrammingError
from django.test import override_settings
from django.utils import timezone

import archive
from archive.entries import commitment, entry_bytes
from archive.models import ArchiveEvent, ArchiveHead, ArchiveLeaf, ArchiveSubtree
from archive.origin import Origin, origin_bound
from archive.services import SYSTEM, ArchiveError
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import ROW_MAKERS

pytestmark = pytest.mark.django_db


def _record(personas: Personas, verb: str, **data: object) -> ArchiveEvent:
    with transaction.atomic():
        return archive.record(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            verb=verb,
            obj=personas.author_a,
            data=data,
        )


def test_an_event_commits_to_its_content_through_a_salt_of_its_own(personas: Personas) -> None:
    with agency_scope(personas.agency_a.pk):
        first = _record(personas, "test.same", n=1)
        second = _record(personas, "test.same", n=1)
        stored = ArchiveEvent.objects.values().get(pk=first.pk)

    assert stored["commitment"] == commitment(stored, salt=stored["salt"])
    assert len(bytes.fromhex(first.salt)) == 16
    assert first.salt != second.salt
    assert first.commitment != second.commitment, "the same content is not recognisable"


def test_an_event_says_who_what_when_and_from_where(personas: Personas) -> None:
    origin = Origin(ip_address="203.0.113.7", user_agent="Firefox", request_id="req-1")
    with agency_scope(personas.agency_a.pk), origin_bound(origin):
        event = _record(personas, "member.roles_changed", before=["author"], after=["admin"])
    assert event.actor_id == str(personas.admin_a.user.pk)
    assert event.actor_name == personas.admin_a.user.display_name
    assert event.object_type == "accounts.membership"
    assert event.object_id == str(personas.author_a.pk)
    assert (event.ip_address, event.user_agent, event.request_id) == (
        "203.0.113.7",
        "Firefox",
        "req-1",
    )
    assert event.data == {"before": ["author"], "after": ["admin"]}
    assert event.occurred_at.utcoffset() == dt.timedelta(0)


def test_recording_outside_a_transaction_is_refused(personas: Personas) -> None:
    # pytest-django wraps the test in a transaction; leave it to see the refusal.
    with agency_scope(personas.agency_a.pk):
        connection.in_atomic_block, saved = False, connection.in_atomic_block
        try:
            with pytest.raises(ArchiveError):
                archive.record(agency=personas.agency_a, actor=SYSTEM, verb="test.loose")
        finally:
            connection.in_atomic_block = saved


def test_recording_for_another_agency_than_the_bound_one_is_refused(personas: Personas) -> None:
    with agency_scope(personas.agency_b.pk), pytest.raises(ArchiveError):
        _record(personas, "test.crossed")


@pytest.mark.parametrize("model", [ArchiveEvent, ArchiveLeaf, ArchiveSubtree, ArchiveHead])
def test_the_application_cannot_update_or_delete_the_archive(
    personas: Personas, model: type[Model]
) -> None:
    row = ROW_MAKERS[model](personas.agency_a)
    table = model._meta.db_table
    with agency_scope(personas.agency_a.pk):
        for statement in (
            f"UPDATE {table} SET agency_id = agency_id WHERE id = {row.pk}",  # noqa: S608
            f"DELETE FROM {table} WHERE id = {row.pk}",  # noqa: S608
            f"TRUNCATE {table} CASCADE",
        ):
            with (
                pytest.raises(ProgrammingError, match="permission denied"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        assert model.objects.filter(pk=row.pk).exists()


def test_an_events_entry_and_commitment_are_the_same_in_every_time_zone(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    with agency_scope(personas.agency_a.pk):
        event = _record(personas, "test.tz", note="café")
        row = ArchiveEvent.objects.values().get(pk=event.pk)
    entry = entry_bytes(row, commitment=row["commitment"])
    for name in ("Pacific/Chatham", "America/St_Johns", "Asia/Kolkata"):
        moment = row["occurred_at"].astimezone(zoneinfo.ZoneInfo(name))
        assert entry_bytes({**row, "occurred_at": moment}, commitment=row["commitment"]) == entry
    # The machine's and Django's zones play no part either.
    monkeypatch.setenv("TZ", "Pacific/Chatham")
    time.tzset()
    try:
        with (
            override_settings(TIME_ZONE="America/St_Johns"),
            timezone.override("Asia/Kolkata"),
            agency_scope(personas.agency_a.pk),
        ):
            reread = ArchiveEvent.objects.values().get(pk=event.pk)
            assert entry_bytes(reread, commitment=reread["commitment"]) == entry
            assert commitment(reread, salt=reread["salt"]) == event.commitment
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert (
        b'"occurred_at":"' + row["occurred_at"].strftime("%Y-%m-%dT%H:%M:%S.%f").encode() + b'Z"'
        in entry
    )
    assert b'"verb":"test.tz"' in entry
    assert "café".encode() not in entry, "the content is in the entry only as its commitment"
