"""Erasing what an event said (GDPR, retention): its content and salt go, its facts, its
leaf and every proof stay, and the erasure is itself recorded. Nothing else about an
event can be changed, and content erased behind the archive's back is named."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import Agency
from archive import merkle
from archive.entries import FACT_FIELDS, event_leaf
from archive.errors import ArchiveError
from archive.models import ArchiveEvent, ArchiveHead, ArchiveLeaf
from archive.selectors import inclusion_proof
from archive.services import SYSTEM, event_content_erase
from govsocial.tenancy import agency_scope
from tests.archive.conftest import all_placed, as_owner

REASON = "GDPR Art. 17, request 2026-014"


@pytest.fixture
def agency(
    committed_agency: Callable[[int], Agency], django_db_blocker: pytest.FixtureRequest
) -> Iterator[Agency]:
    """An agency of five placed events whose log is signed, and tests that may use the
    database."""
    made = committed_agency(5)
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("archive_sign", agency=made.slug, stdout=StringIO())
        yield made


def event_at(agency: Agency, position: int) -> ArchiveEvent:
    with agency_scope(agency.pk):
        return ArchiveEvent.objects.get(
            pk=ArchiveLeaf.objects.get(position=position).event_id  # type: ignore[misc]
        )


def verify(agency: Agency) -> str:
    out = StringIO()
    with suppress(CommandError):
        call_command("archive_verify", agency=agency.slug, stdout=out)
    return out.getvalue()


def test_an_events_content_is_erased_and_every_proof_still_verifies(agency: Agency) -> None:
    before = event_at(agency, 2)
    assert before.data == {"n": 2}

    with agency_scope(agency.pk), transaction.atomic():
        erasure = event_content_erase(event=before, actor=SYSTEM, reason=REASON)
    after = event_at(agency, 2)

    assert (after.data, after.salt, after.actor_name) == ({}, "", "")
    assert (after.verb, after.occurred_at, after.commitment) == (
        before.verb,
        before.occurred_at,
        before.commitment,
    )
    assert (erasure.verb, erasure.object_id, erasure.data) == (
        "archive.content_erased",
        str(before.pk),
        {"reason": REASON},
    )
    with agency_scope(agency.pk):
        head = ArchiveHead.objects.get()
        leaf = ArchiveLeaf.objects.get(position=2)
        proof = inclusion_proof(position=2, size=head.size)
    facts = {name: getattr(after, name) for name in FACT_FIELDS}
    assert event_leaf(facts, commitment=after.commitment) == leaf.hash
    assert merkle.inclusion_verify(
        index=2, size=5, leaf=bytes.fromhex(leaf.hash), proof=proof, root=bytes.fromhex(head.root)
    )
    assert all_placed(agency) == 1, "the erasure is an event of the log like any other"
    assert "6 events intact, matching its 1 signed heads" in verify(agency)
    with agency_scope(agency.pk), transaction.atomic(), pytest.raises(ArchiveError):
        event_content_erase(event=after, actor=SYSTEM, reason=REASON)


def test_an_erasure_needs_its_reason(agency: Agency) -> None:
    with agency_scope(agency.pk), transaction.atomic(), pytest.raises(ArchiveError, match="reason"):
        event_content_erase(event=event_at(agency, 1), actor=SYSTEM, reason="  ")
    assert event_at(agency, 1).data == {"n": 1}


def test_content_erased_behind_the_archives_back_is_named(agency: Agency) -> None:
    with as_owner(agency) as owner:
        owner.execute(
            "UPDATE archive_archiveevent SET data = '{}', salt = '' WHERE id = %s",
            [event_at(agency, 1).pk],
        )

    assert "damaged at position 1: its content was erased with no record of it" in verify(agency)


@pytest.mark.parametrize(
    "change",
    [
        "verb = 'forged'",
        "data = '{}', salt = '', actor_name = '', object_repr = '', user_agent = '',"
        " verb = 'forged'",
        "data = '{\"n\": 42}'",
    ],
)
def test_under_erasure_nothing_but_the_emptying_of_content_is_let_through(
    agency: Agency, change: str
) -> None:
    event = event_at(agency, 3)
    with psycopg.connect(os.environ["DATABASE_OWNER_URL"]) as owner:
        owner.execute("SELECT set_config('govsocial.agency_id', %s, true)", [str(agency.pk)])
        owner.execute("SELECT set_config('govsocial.erasing', %s, true)", [str(event.pk)])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute(f"UPDATE archive_archiveevent SET {change} WHERE id = %s", [event.pk])  # noqa: S608

    assert event_at(agency, 3).data == {"n": 3}
