"""Signed heads: the deployment signs each agency's log as it stands, and a log changed
behind the application's back no longer matches them, however consistently its chain
was rewritten: a rewritten tail, a deleted last event, a deleted log. Heads signed with
a key since retired still verify."""

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

from accounts.models import Agency
from archive.chain import CHAINED_FIELDS, event_hash
from archive.models import ArchiveHead
from archive.services import head_sign_when_grown, heads_check
from archive.signing import public_key_text, signing_key
from govsocial.tenancy import agency_scope
from tests.archive.conftest import as_owner


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


def rewrite_from(agency: Agency, sequence: int) -> None:
    """Change one event and rewrite every later one with the project's own hashing, so
    that the chain alone still holds."""
    with as_owner(agency) as owner:
        rows = owner.execute(
            "SELECT * FROM archive_archiveevent WHERE agency_id = %s AND sequence >= %s "
            "ORDER BY sequence",
            [agency.pk, sequence],
        ).fetchall()
        prev_hash = rows[0]["prev_hash"]
        for row in rows:
            fields = {name: row[name] for name in CHAINED_FIELDS} | {"prev_hash": prev_hash}
            if row["sequence"] == sequence:
                fields["data"] = {"n": "what was never said"}
            prev_hash = event_hash(fields)
            owner.execute(
                "UPDATE archive_archiveevent SET data = %s, prev_hash = %s, hash = %s "
                "WHERE id = %s",
                [
                    psycopg.types.json.Jsonb(fields["data"]),
                    fields["prev_hash"],
                    prev_hash,
                    row["id"],
                ],
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

    said = verify(agency)

    assert "5 events, chain intact" in said
    assert "matches its 2 signed heads" in said


def test_a_tail_rewritten_with_the_projects_own_hashing_is_caught(agency: Agency) -> None:
    rewrite_from(agency, 3)

    said = verify(agency)

    assert "5 events, chain intact" in said, "the chain alone cannot tell"
    assert "(5 events): the log's event 5 was rewritten" in said


def test_a_deleted_last_event_is_caught(agency: Agency) -> None:
    with as_owner(agency) as owner:
        owner.execute(
            "DELETE FROM archive_archiveevent WHERE agency_id = %s AND sequence = 5", [agency.pk]
        )

    said = verify(agency)

    assert "4 events, chain intact" in said
    assert "(5 events): the log no longer holds its event 5" in said


def test_a_deleted_log_is_caught(agency: Agency) -> None:
    with as_owner(agency) as owner:
        owner.execute("DELETE FROM archive_archiveevent WHERE agency_id = %s", [agency.pk])

    said = verify(agency)

    assert "0 events, chain intact" in said
    assert "the log no longer holds its event 5" in said


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
        with agency_scope(agency.pk):
            assert heads_check(agency_id=agency.pk).heads_checked == 2
    with forgotten, agency_scope(agency.pk):
        report = heads_check(agency_id=agency.pk)

    assert report.problem == "its signature is not the deployment's"
    assert report.heads_checked == 0


def test_the_owner_cannot_change_a_head_while_the_trigger_stands(agency: Agency) -> None:
    with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:
        owner.execute("SELECT set_config('govsocial.agency_id', %s, false)", [str(agency.pk)])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute("DELETE FROM archive_archivehead WHERE agency_id = %s", [agency.pk])
