"""Erasing what an event said (GDPR, retention): its content and salt go, its facts, its
leaf and every proof stay, and the erasure is itself recorded. Nothing else about an
event can be changed, and content erased behind the archive's back is named."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from io import StringIO

import psycopg
import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import transaction

import archive
from accounts.models import Agency
from archive import merkle
from archive.entries import FACT_FIELDS, event_leaf
from archive.errors import ArchiveError
from archive.models import (
    SMALL_CONTENT,
    ArchiveContent,
    ArchiveContentBytes,
    ArchiveContentErasure,
    ArchiveEvent,
    ArchiveHead,
    ArchiveLeaf,
    content_name,
)
from archive.selectors import content_open, inclusion_proof
from archive.services import SYSTEM, erased_files_tend, event_content_erase
from archive.verification import contents_verify
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


def test_kept_content_goes_with_the_last_record_that_named_it(agency: Agency) -> None:
    with agency_scope(agency.pk), transaction.atomic():
        (shared,) = archive.keep_documents(agency=agency, documents=[{"text": "Call 555-0199"}])
        (own,) = archive.keep_documents(agency=agency, documents=[{"text": "My address is…"}])
        first = archive.record(
            agency=agency, actor=SYSTEM, verb="inbox.item_received", data={"content": shared}
        )
        # Named deeper in another record's data, as a medium's hash is.
        second = archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            data={"media": [{"sha256": shared, "alt_text": "A map"}], "note": "x" * 64},
        )
        alone = archive.record(
            agency=agency, actor=SYSTEM, verb="inbox.item_received", data={"content": own}
        )
    all_placed(agency)
    for event in (first, alone):
        with agency_scope(agency.pk), transaction.atomic():
            event_content_erase(event=event, actor=SYSTEM, reason=REASON)

    with agency_scope(agency.pk):
        # Another record still holds the shared content: its bytes stay.
        assert content_open(sha256=shared) is not None
        assert content_open(sha256=own) is None
        assert list(ArchiveContentBytes.objects.values_list("sha256", flat=True)) == [shared]
        assert list(ArchiveContentErasure.objects.values_list("sha256", "reason")) == [
            (own, REASON)
        ]
        event_content_erase(event=second, actor=SYSTEM, reason=REASON)
        assert content_open(sha256=shared) is None
        # The rows stay: they record that the content was kept. The check of the kept
        # files finds the erased ones explained, and the log still holds.
        assert ArchiveContent.objects.filter(sha256__in=[shared, own]).count() == 2
        with transaction.atomic():
            assert contents_verify(agency_id=agency.pk).intact
    assert "intact" in verify(agency)


def test_content_kept_again_after_its_erasure_is_kept_anew(agency: Agency) -> None:
    document = {"text": "The same words, twice"}
    with agency_scope(agency.pk), transaction.atomic():
        (digest,) = archive.keep_documents(agency=agency, documents=[document])
        event = archive.record(
            agency=agency, actor=SYSTEM, verb="inbox.item_received", data={"content": digest}
        )
    all_placed(agency)
    with agency_scope(agency.pk), transaction.atomic():
        event_content_erase(event=event, actor=SYSTEM, reason=REASON)
    with agency_scope(agency.pk), transaction.atomic():
        assert archive.keep_documents(agency=agency, documents=[document]) == [digest]
        archive.record(
            agency=agency, actor=SYSTEM, verb="inbox.item_received", data={"content": digest}
        )
    with agency_scope(agency.pk):
        opened = content_open(sha256=digest)
        assert opened is not None
        with opened[0] as file:
            assert b"twice" in file.read()


def test_an_erasure_rolled_back_deletes_no_file(agency: Agency) -> None:
    with agency_scope(agency.pk), transaction.atomic():
        (digest,) = archive.keep_documents(agency=agency, documents=[{"text": "Kept on"}])
        event = archive.record(
            agency=agency, actor=SYSTEM, verb="inbox.item_received", data={"content": digest}
        )
    all_placed(agency)

    with agency_scope(agency.pk), suppress(RuntimeError), transaction.atomic():
        event_content_erase(event=event, actor=SYSTEM, reason=REASON)
        raise RuntimeError("something after the erasure failed")

    with agency_scope(agency.pk):
        assert not ArchiveContentErasure.objects.filter(sha256=digest).exists()
        opened = content_open(sha256=digest)
        assert opened is not None
        opened[0].close()


def test_files_an_erasure_left_behind_are_deleted_by_the_tending(agency: Agency) -> None:
    # Larger than the archive keeps in the database: kept as a file.
    document = {"text": "Left over " * (SMALL_CONTENT // 10)}
    with agency_scope(agency.pk), transaction.atomic():
        (digest,) = archive.keep_documents(agency=agency, documents=[document])
        event = archive.record(
            agency=agency, actor=SYSTEM, verb="inbox.item_received", data={"content": digest}
        )
    all_placed(agency)
    path = storages["archive"].path(content_name(agency.pk, digest))
    with agency_scope(agency.pk), transaction.atomic():
        event_content_erase(event=event, actor=SYSTEM, reason=REASON)
        # The worker stops before the files are deleted after the commit.
        transaction.get_connection().run_on_commit.clear()
    assert os.path.exists(path)
    with agency_scope(agency.pk):
        assert content_open(sha256=digest) is None
        erased_files_tend(agency_id=agency.pk, within=timedelta(days=1))
    assert not os.path.exists(path)
