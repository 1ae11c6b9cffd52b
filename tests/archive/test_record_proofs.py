"""A record's proof, checked on the server from the Records section: the event placed
in the agency's log and a head signed (committed, as the sequencer and the signing see
them), a records officer reads it, checks it and downloads what it kept; a record
changed since does not check."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

import archive
from accounts.models import Agency, Role
from archive.models import ArchiveEvent
from archive.records import event_check, head_with
from archive.services import SYSTEM, head_sign
from govsocial.tenancy import agency_scope
from tests.factories import MembershipFactory


@pytest.fixture
def agency(new_agency: Agency) -> Agency:
    return new_agency


def said(agency: Agency, text: str) -> ArchiveEvent:
    """Record, committed, that a citizen said ``text``, kept whole."""
    with agency_scope(agency.pk), transaction.atomic():
        (content,) = archive.keep_documents(agency=agency, documents=[{"text": text}])
        return archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            data={"text": text, "content": content},
        )


def test_a_records_officer_reads_a_record_checks_its_proof_and_downloads_its_content(
    agency: Agency,
) -> None:
    event = said(agency, "The pool staff were rude to my son")
    officer = MembershipFactory(agency=agency, roles=[Role.RECORDS_OFFICER])
    client = Client()
    client.force_login(officer.user)
    page = reverse("record_detail", args=[agency.slug, event.pk])

    unsigned = client.get(page).content.decode()
    with agency_scope(agency.pk), transaction.atomic():
        head_sign(agency_id=agency.pk)
    checked = client.get(page, {"check": "1"}).content.decode()
    content = reverse("record_content", args=[agency.slug, event.data["content"]])
    downloaded = client.get(content)

    assert "No signed head holds it yet" in unsigned
    assert "Checked: the record is at position" in checked
    assert content in checked
    kept = b"".join(downloaded.streaming_content)  # type: ignore[attr-defined]
    assert kept == b'{"text":"The pool staff were rude to my son"}'
    assert downloaded["X-Content-Type-Options"] == "nosniff"


def test_a_record_changed_since_does_not_check(agency: Agency) -> None:
    event = said(agency, "Is the library open?")
    with agency_scope(agency.pk):
        with transaction.atomic():
            head = head_sign(agency_id=agency.pk)
        assert head_with(event) == head
        assert event_check(event=event, head=head).holds
        event.data["text"] = "Is the library closed?"
        checked = event_check(event=event, head=head)

    assert not checked.holds
    assert checked.problem == "the event's content is not the one its entry commits to"
