"""Recording events: one chain per agency, append-only, same hashes in every time zone."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test import override_settings
from django.utils import timezone

import archive
from archive.chain import GENESIS_HASH, canonical_bytes, chain_check, event_hash
from archive.models import ArchiveEvent
from archive.origin import Origin, origin_bound
from archive.services import SYSTEM, ArchiveError, chain_verify
from govsocial.tenancy import agency_scope
from tests.conftest import Personas

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


def test_events_form_a_chain_per_agency(personas: Personas) -> None:
    with agency_scope(personas.agency_a.pk):
        first = _record(personas, "test.first", n=1)
        second = _record(personas, "test.second", n=2)
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    with agency_scope(personas.agency_b.pk), transaction.atomic():
        other = archive.record(agency=personas.agency_b, actor=SYSTEM, verb="test.other")
    assert other.sequence == 1


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


def test_the_application_cannot_update_or_delete_events(personas: Personas) -> None:
    with agency_scope(personas.agency_a.pk):
        event = _record(personas, "test.keep")
        for statement in (
            f"UPDATE archive_archiveevent SET verb = 'forged' WHERE id = {event.pk}",  # noqa: S608
            f"DELETE FROM archive_archiveevent WHERE id = {event.pk}",  # noqa: S608
            "TRUNCATE archive_archiveevent",
        ):
            with (
                pytest.raises(ProgrammingError, match="permission denied"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        assert ArchiveEvent.objects.get(pk=event.pk).verb == "test.keep"


def test_the_chain_verifies_and_names_a_changed_event(personas: Personas) -> None:
    with agency_scope(personas.agency_a.pk):
        for n in range(5):
            _record(personas, "test.step", n=n)
        report = chain_verify(agency_id=personas.agency_a.pk)
        assert (report.intact, report.events_checked) == (True, 5)
        rows = list(ArchiveEvent.objects.order_by("sequence").values())
    rows[2]["data"] = {"n": 99}
    report = chain_check(rows)
    assert report.first_bad_sequence == 3
    del rows[3]
    rows[2]["data"] = {"n": 2}
    assert chain_check(rows).first_bad_sequence == 4


def test_canonical_bytes_are_the_same_in_every_time_zone(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    with agency_scope(personas.agency_a.pk):
        event = _record(personas, "test.tz", note="café")
        row = ArchiveEvent.objects.values().get(pk=event.pk)
        renditions = [
            row["occurred_at"].astimezone(zoneinfo.ZoneInfo(name))
            for name in ("Pacific/Chatham", "America/St_Johns", "Asia/Kolkata")
        ]
        for moment in renditions:
            assert canonical_bytes({**row, "occurred_at": moment}) == canonical_bytes(row)
        # The machine's and Django's zones play no part either.
        monkeypatch.setenv("TZ", "Pacific/Chatham")
        time.tzset()
        try:
            with override_settings(TIME_ZONE="America/St_Johns"), timezone.override("Asia/Kolkata"):
                assert chain_verify(agency_id=personas.agency_a.pk).intact
                reread = ArchiveEvent.objects.values().get(pk=event.pk)
                assert event_hash(reread) == event.hash
        finally:
            monkeypatch.delenv("TZ")
            time.tzset()
    assert b'"note":"caf\xc3\xa9"' in canonical_bytes(row)
    assert b'"occurred_at":"' + row["occurred_at"].strftime(
        "%Y-%m-%dT%H:%M:%S.%f"
    ).encode() + b'Z"' in canonical_bytes(row)
