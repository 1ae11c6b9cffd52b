"""Inbox fixtures: a quiet emulator, citizens' items, and what the inbox and the archive
hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from accounts.models import Agency
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem
from inbox.services import account_poll
from publishing.models import SocialAccount
from publishing.networks.base import InboundItem, InboundKind
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import emulated_account_for


@pytest.fixture
def quiet(networks: Emulator) -> Emulator:
    """The emulator with its citizens silent: only the test writes to accounts."""
    networks.configure(citizens=False)
    return networks


@pytest.fixture
def account(personas: Personas, quiet: Emulator) -> SocialAccount:
    """Agency A's Mastodon account, riverton, on the emulator."""
    return emulated_account_for(personas.agency_a, quiet, "mastodon", "riverton")


@pytest.fixture
def item(personas: Personas, account: SocialAccount, quiet: Emulator) -> InboxItem:
    """A citizen's mention, polled into agency A's inbox."""
    quiet.inbound(
        network="mastodon", account="riverton", kind="mention", text="@riverton is the pool open?"
    )
    with agency_scope(personas.agency_a.pk):
        assert account_poll(account=account) == 1
        return InboxItem.objects.get()


def items(agency: Agency) -> list[InboxItem]:
    with agency_scope(agency.pk):
        return list(InboxItem.objects.order_by("written_at", "id"))


def events(agency: Agency, verb: str) -> list[ArchiveEvent]:
    with agency_scope(agency.pk):
        return list(ArchiveEvent.objects.filter(verb=verb).order_by("id"))


def citizen(remote_id: str, text: str, **fields: Any) -> InboundItem:
    values: dict[str, Any] = {
        "kind": InboundKind.COMMENT,
        "author_handle": "amara_okafor",
        "author_name": "Amara Okafor",
        "created_at": datetime(2026, 12, 4, 9, 30, tzinfo=UTC),
    }
    return InboundItem(remote_id=remote_id, text=text, **(values | fields))
