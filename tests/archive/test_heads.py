"""Signed heads: the deployment signs each agency's log as it stands, and a log changed
behind the application's back no longer matches them, however consistently its tree
was rebuilt: a rewritten log, a deleted last event, a deleted log. Heads signed with a
key since retired still verify."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

import archive
from accounts.models import Agency
from archive.entries import commitment, event_leaf
from archive.merkle import Frontier
from archive.models import ArchiveHead
from archive.services import SYSTEM, head_sign_when_grown
from archive.signing import public_key_text, signing_key
from govsocial.tenancy import agency_scope
from tests.archive.conftest import all_placed, as_owner


def signed(agency: Agency) -> ArchiveHead | None:
    """Sign the agency's log as the periodic task does: only when it grew."""
    with agency_scope(agency.pk), transaction.atomic():
        return head_sign_when_grown(agency_id=agency.pk)


def verify(agency: Agency) -> str:
    """Return what ``archive_verify`` says of the agency, failing or not."""
    out = StringIO()
    with suppress(CommandError):
        call_command("archive_verify", agency=agency.slug, stdout=out)
    return out.getvalue()


def rewrite_from(agency: Agency, position: int) -> None:
    """Change the event at ``position`` and rebuild the log after it with the project's
    own hashing: its commitment, its leaf, and every subtree, so that the log alone
    still holds."""
    with as_owner(agency) as owner:
        rows = owner.execute(
            "SELECT e.*, l.position FROM archive_archiveleaf AS l"
            " JOIN archive_archiveevent AS e ON e.id = l.event_id"
            " WHERE l.agency_id = %s ORDER BY l.position",
            [agency.pk],
        ).fetchall()
        changed = rows[position]
        changed["data"] = {"n": "what was never said"}
        changed["commitment"] = commitment(changed, salt=changed["salt"])
        owner.execute(
            "UPDATE archive_archiveevent SET data = %s, commitment = %s WHERE id = %s",
            [psycopg.types.json.Jsonb(changed["data"]), changed["commitment"], changed["id"]],
        )
        owner.execute("DELETE FROM archive_archivesubtree WHERE agency_id = %s", [agency.pk])
        frontier = Frontier()
        for row in rows:
            leaf = event_leaf(row, commitment=row["commitment"])
            owner.execute(
                "UPDATE archive_archiveleaf SET hash = %s WHERE event_id = %s", [leaf, row["id"]]
            )
            for (level, index), node in frontier.append(bytes.fromhex(leaf))[1:]:
                owner.execute(
                    "INSERT INTO archive_archivesubtree (agency_id, level, index, hash)"
                    " VALUES (%s, %s, %s, %s)",
                    [agency.pk, level, index, node.hex()],
                )


def delete_from(agency: Agency, position: int) -> None:
    """Delete the log from ``position`` on, events, leaves and subtrees."""
    with as_owner(agency) as owner:
        owner.execute(
            "DELETE FROM archive_archivesubtree WHERE agency_id = %s"
            " AND ((index + 1) << level) > %s",
            [agency.pk, position],
        )
        events = owner.execute(
            "DELETE FROM archive_archiveleaf WHERE agency_id = %s AND position >= %s"
            " RETURNING event_id",
            [agency.pk, position],
        ).fetchall()
        owner.execute(
            "DELETE FROM archive_archiveevent WHERE id = ANY(%s)",
            [[row["event_id"] for row in events]],
        )


@pytest.fixture
def agency(
    committed_agency: Callable[[int], Agency], django_db_blocker: pytest.FixtureRequest
) -> Iterator[Agency]:
    """An agency of five committed events whose log is signed, and tests that may use
    the database."""
    made = committed_agency(5)
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        assert signed(made) is not None
        yield made


def test_a_signed_log_matches_its_head_and_an_unchanged_one_is_signed_again_on_demand(
    agency: Agency,
) -> None:
    assert signed(agency) is None, "the periodic signing skips a log that did not grow"
    out = StringIO()
    call_command("archive_sign", agency=agency.slug, stdout=out)
    assert f"{agency.slug}: signed 5 events with key " in out.getvalue()

    assert "5 events intact, matching its 2 signed heads" in verify(agency)


def test_a_log_rewritten_with_the_projects_own_hashing_is_caught(agency: Agency) -> None:
    rewrite_from(agency, 2)

    said = verify(agency)

    assert "(5 events): the log's first 5 events were rewritten" in said


def test_a_deleted_last_event_is_caught(agency: Agency) -> None:
    delete_from(agency, 4)

    said = verify(agency)

    assert "(5 events): the log holds 4 events, fewer than the 5 it was signed with" in said


def test_a_deleted_log_is_caught(agency: Agency) -> None:
    delete_from(agency, 0)

    said = verify(agency)

    assert "(5 events): the log holds 0 events, fewer than the 5 it was signed with" in said


def test_a_log_grown_after_its_head_still_matches_it(agency: Agency) -> None:
    with transaction.atomic(), agency_scope(agency.pk):
        archive.record(agency=agency, actor=SYSTEM, verb="test.later")
    assert all_placed(agency) == 1
    call_command("archive_sign", agency=agency.slug, stdout=StringIO())

    assert "6 events intact, matching its 2 signed heads" in verify(agency)


def test_heads_signed_with_a_retired_key_verify_and_a_forgotten_key_does_not(
    agency: Agency,
) -> None:
    old_public = public_key_text(signing_key().public_key())
    new_private = base64.b64encode(os.urandom(32)).decode()
    rotated = override_settings(
        ARCHIVE_SIGNING_KEY=new_private, ARCHIVE_RETIRED_PUBLIC_KEYS=[old_public]
    )
    forgotten = override_settings(ARCHIVE_SIGNING_KEY=new_private, ARCHIVE_RETIRED_PUBLIC_KEYS=[])

    with rotated:
        call_command("archive_sign", agency=agency.slug, stdout=StringIO())
        assert "5 events intact, matching its 2 signed heads" in verify(agency)
    with forgotten:
        said = verify(agency)

    assert "(5 events): its signature is not the deployment's" in said
