"""Saved replies: admins keep answers ready in English and French (on the record); on
an item's page one starts the reply, in the item's language, with the citizen's handle
and the agency's name filled in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem, SavedReply
from inbox.services import items_receive
from tests.conftest import Personas
from tests.factories import api_key_for, social_account_for
from tests.inbox.conftest import citizen

pytestmark = pytest.mark.django_db

URL = "/agencies/alpha/inbox/saved-replies/"


@pytest.fixture
def saved(personas: Personas) -> SavedReply:
    added = personas.client_for(personas.admin_a).post(
        URL,
        {
            "title": "Opening hours",
            "text_en": "Hello {handle}, {agency} is open 9 to 5.",
            "text_fr": "Bonjour {handle}, {agency} est ouverte de 9 h à 17 h.",
        },
    )
    assert added.status_code == 302
    with agency_scope(personas.agency_a.pk):
        return SavedReply.objects.get()


def received(personas: Personas, text: str) -> InboxItem:
    account = social_account_for(personas.agency_a)
    with agency_scope(personas.agency_a.pk):
        (item,) = items_receive(
            account=account,
            items=[citizen("c1", text, created_at=datetime(2026, 12, 4, 9, tzinfo=UTC))],
        )
    return item


def test_a_saved_reply_starts_the_answer_in_the_items_language(
    personas: Personas, saved: SavedReply
) -> None:
    item = received(personas, "Bonjour, la mairie est-elle ouverte aujourd'hui ?")
    url = reverse("inbox_item", args=["alpha", item.pk])

    page = personas.client_for(personas.author_a).get(url, {"saved": saved.pk}).content.decode()

    assert item.language == "fr"
    assert "Bonjour @amara_okafor, City of Alpha est ouverte de 9 h à 17 h.</textarea>" in page


def test_admins_keep_the_saved_replies_and_others_use_them(
    personas: Personas, saved: SavedReply
) -> None:
    admin = personas.client_for(personas.admin_a)
    empty = admin.post(URL, {"title": "Nothing", "text_en": "", "text_fr": ""})
    by_author = personas.client_for(personas.author_a).post(URL, {"title": "Mine", "text_en": "Hi"})
    item = received(personas, "When is the city hall open?")
    english = personas.client_for(personas.author_a).get(
        reverse("inbox_item", args=["alpha", item.pk]), {"saved": saved.pk}
    )
    removed = admin.post(URL, {"remove": saved.pk}, follow=True)

    assert empty.status_code == 400
    assert "Write the reply in English, French or both." in empty.content.decode()
    assert by_author.status_code == 400
    assert "Only an agency admin keeps the saved replies." in by_author.content.decode()
    assert "Hello @amara_okafor, City of Alpha is open 9 to 5.</textarea>" in (
        english.content.decode()
    )
    assert "The saved reply is removed." in removed.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert not SavedReply.objects.exists()
        verbs = list(
            ArchiveEvent.objects.filter(verb__startswith="inbox.saved_reply").values_list(
                "verb", flat=True
            )
        )
    assert verbs == ["inbox.saved_reply_added", "inbox.saved_reply_removed"]


def test_the_api_lists_the_saved_replies(personas: Personas, saved: SavedReply) -> None:
    _key, token = api_key_for(personas.agency_a, Role.VIEWER)
    listed = Client(headers={"Authorization": f"Bearer {token}"}).get(
        "/api/agencies/alpha/inbox/saved-replies/"
    )
    assert [(reply["title"], reply["text_fr"][:7]) for reply in listed.json()["results"]] == [
        ("Opening hours", "Bonjour")
    ]
