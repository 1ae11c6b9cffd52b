"""The Records section: a records officer (or an admin) searches the agency's archive
by words in English or French (case and accents aside), action, person and days,
reads a record (``test_record_proofs``), in the pages and through the API. Nobody else
reads it, and another agency's records are not there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

import archive
from accounts.models import Role
from archive.models import ArchiveEvent
from archive.records import event_search
from archive.services import SYSTEM
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db


def said(
    personas: Personas, text: str, *, verb: str = "inbox.item_received", **data: object
) -> ArchiveEvent:
    """Record, in agency A's archive, that a citizen said ``text``."""
    agency = personas.agency_a
    with agency_scope(agency.pk), transaction.atomic():
        (content,) = archive.keep_documents(agency=agency, documents=[{"text": text}])
        return archive.record(
            agency=agency,
            actor=SYSTEM,
            verb=verb,
            obj=None,
            data={"text": text, "content": content, **data},
        )


def found(personas: Personas, **criteria: object) -> list[str]:
    with agency_scope(personas.agency_a.pk):
        return [event.data.get("text", event.verb) for event in event_search(**criteria)]  # type: ignore[arg-type]


def test_words_are_found_in_english_and_french_case_and_accents_aside(personas: Personas) -> None:
    said(personas, "Les SÉCURITÉS du pont sont inquiétantes", author_handle="amara_okafor")
    said(personas, "The roads were flooded this morning", author_handle="ben_tremblay")
    said(personas, "Merci pour l\u2019œuvre des équipes", verb="inbox.item_edited")

    assert found(personas, words="securite") == ["Les SÉCURITÉS du pont sont inquiétantes"]
    assert found(personas, words="flooding") == ["The roads were flooded this morning"]
    assert found(personas, words="oeuvre equipe") == ["Merci pour l\u2019œuvre des équipes"]
    assert found(personas, words='"roads were" -bridge') == ["The roads were flooded this morning"]
    assert found(personas, words="pont -securite") == []
    assert found(personas, person="BEN_TREM") == ["The roads were flooded this morning"]
    assert found(personas, action="inbox.item_edited") == ["Merci pour l\u2019œuvre des équipes"]
    assert found(personas, words="roads", until=datetime(2000, 1, 1, tzinfo=UTC)) == []


def test_only_records_officers_and_admins_read_the_records(personas: Personas) -> None:
    event = said(personas, "Hello")
    records = reverse("record_search", args=["alpha"])
    page = reverse("record_detail", args=["alpha", event.pk])

    author = personas.client_for(personas.author_a)
    assert author.get(records).status_code == 403
    assert author.get(page).status_code == 403
    assert "Records" not in author.get(reverse("inbox_list", args=["alpha"])).content.decode()
    admin = personas.client_for(personas.admin_a)
    assert admin.get(page).status_code == 200
    assert reverse("record_search", args=["alpha"]) in admin.get(records).content.decode()
    other = personas.client_for(personas.admin_b)
    assert other.get(reverse("record_detail", args=["beta", event.pk])).status_code == 404
    assert "Hello" not in other.get(reverse("record_search", args=["beta"])).content.decode()


def test_records_officers_search_the_archive_through_the_api(personas: Personas) -> None:
    said(personas, "Le pont est fermé", author_handle="hugo_lefebvre")
    said(personas, "Thanks for the update")
    _key, token = api_key_for(personas.agency_a, Role.RECORDS_OFFICER)
    officer = Client(headers={"Authorization": f"Bearer {token}"})
    events = "/api/agencies/alpha/archive/events/"

    found_ = officer.get(events, {"q": "ferme", "person": "hugo"}).json()["results"]
    everything = officer.get(events).json()["results"]
    _key, author_token = api_key_for(personas.agency_a, Role.AUTHOR)
    author = Client(headers={"Authorization": f"Bearer {author_token}"})
    bad = officer.get(events, {"since": "yesterday"})

    assert [event["data"]["text"] for event in found_] == ["Le pont est fermé"]
    assert found_[0]["verb"] == "inbox.item_received" and found_[0]["erased"] is False
    assert {event["verb"] for event in everything} >= {"inbox.item_received"}
    assert author.get(events).status_code == 403
    assert bad.status_code == 400


def test_a_record_shows_the_history_of_what_it_is_about(personas: Personas) -> None:
    agency, member = personas.agency_a, personas.author_a
    with agency_scope(agency.pk):
        with transaction.atomic():
            first = archive.record(
                agency=agency, actor=SYSTEM, verb="test.received", obj=member, data={"text": "Hi"}
            )
        with transaction.atomic():
            archive.record(
                agency=agency, actor=SYSTEM, verb="test.hidden", obj=member, data={"text": "Hi!"}
            )
    page = personas.client_for(personas.admin_a).get(
        reverse("record_detail", args=["alpha", first.pk])
    )
    shown = page.content.decode()
    assert "The history of what it is about" in shown
    assert shown.index("test.received") < shown.index("test.hidden")


def test_a_hidden_comment_shows_the_conversation_it_belonged_to(personas: Personas) -> None:
    agency, item, other = personas.agency_a, personas.author_a, personas.admin_a
    with agency_scope(agency.pk), transaction.atomic():
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            obj=other,
            data={"network": "x", "thread": "7", "text": "Is the pool open?", "language": "en"},
        )
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            obj=item,
            data={"network": "x", "thread": "7", "text": "It is a disgrace", "language": "en"},
        )
        hidden = archive.record(agency=agency, actor=SYSTEM, verb="inbox.item_hidden", obj=item)
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.reply_written",
            data={"network": "x", "thread": "7", "text": "It opens at nine."},
        )
        # The same thread number on another network is another conversation.
        archive.record(
            agency=agency,
            actor=SYSTEM,
            verb="inbox.item_received",
            data={"network": "mastodon", "thread": "7", "text": "Unrelated"},
        )
    shown = (
        personas.client_for(personas.admin_a)
        .get(reverse("record_detail", args=["alpha", hidden.pk]))
        .content.decode()
    )
    assert "The conversation it belongs to" in shown
    conversation = shown[shown.index("The conversation it belongs to") :]
    assert conversation.index("Is the pool open?") < conversation.index("It is a disgrace")
    assert "It opens at nine." in conversation and "Unrelated" not in conversation
