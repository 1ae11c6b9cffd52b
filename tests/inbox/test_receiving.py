"""What citizens write reaches the inbox: polled per account through the network's
adapter from the emulator, stored once however often it arrives (two receipts racing in
two connections too), every version kept, each recorded in the archive with what it
said; a throttled network defers the account's next poll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models.functions import Now
from django.utils import timezone

from accounts.models import Agency
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem, InboxItemVersion, InboxPoll, ItemKind
from inbox.services import DELETED, EDITED, RECEIVED, REREAD_FOR, account_poll, items_receive
from publishing.models import PostTarget, SocialAccount, TargetState
from publishing.networks.base import InboundKind, Network, OutgoingPost
from publishing.networks.registry import adapter_for
from tests.emulator_client import Emulator
from tests.factories import AgencyFactory, emulated_account_for, post_target_for
from tests.inbox.conftest import citizen, events, items

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency() -> Agency:
    return AgencyFactory(name="City of Riverton", slug="riverton")


@pytest.fixture
def mastodon(agency: Agency, quiet: Emulator) -> SocialAccount:
    return emulated_account_for(agency, quiet, "mastodon", "riverton")


def published(agency: Agency, account: SocialAccount, text: str) -> PostTarget:
    """Publish ``text`` on the account and store it as our post's copy there."""
    sent = adapter_for(Network(account.network)).publish(account.credentials(), OutgoingPost(text))
    return post_target_for(
        agency,
        account=account,
        state=TargetState.PUBLISHED,
        remote_id=sent.remote_id,
        permalink=sent.permalink,
    )


def poll_now(account: SocialAccount) -> int:
    """Poll the account as the scheduler's next tick would, due or not."""
    with agency_scope(account.agency_id):
        InboxPoll.objects.filter(account=account).update(next_poll_at=Now())
        return account_poll(account=account)


def test_replies_to_our_post_and_messages_are_polled_into_the_inbox_once(
    agency: Agency, mastodon: SocialAccount, quiet: Emulator
) -> None:
    ours = published(agency, mastodon, "Pools open on Saturday")
    reply = quiet.inbound(
        network="mastodon",
        account="riverton",
        kind="reply",
        text="@riverton which pools open on Saturday?",
        in_reply_to=ours.remote_id,
    )
    message = quiet.inbound(
        network="mastodon",
        account="riverton",
        kind="message",
        text="@riverton Merci beaucoup pour votre aide",
    )

    with agency_scope(agency.pk):
        assert account_poll(account=mastodon) == 2
        # Not due again until an interval has passed.
        assert account_poll(account=mastodon) == 0
    assert poll_now(mastodon) == 0

    answer, private = items(agency)
    assert (answer.remote_id, answer.kind, answer.target_id) == (
        reply["id"],
        ItemKind.REPLY,
        ours.pk,
    )
    assert answer.thread == ours.remote_id and answer.language == "en"
    assert answer.author_handle.endswith("@town.example") and answer.permalink
    assert (private.remote_id, private.kind, private.language) == (
        message["id"],
        ItemKind.MESSAGE,
        "fr",
    )
    assert private.thread == f"@{private.author_handle}" and private.target_id is None
    recorded = events(agency, RECEIVED)
    assert [event.object_id for event in recorded] == [str(answer.pk), str(private.pk)]
    assert recorded[0].data["text"] == "@riverton which pools open on Saturday?"
    with agency_scope(agency.pk):
        assert InboxPoll.objects.get(account=mastodon).polled_at is not None
        assert list(InboxItemVersion.objects.values_list("item_id", "number")) == [
            (answer.pk, 1),
            (private.pk, 1),
        ]


def test_an_item_received_again_is_stored_once_and_an_edit_is_a_new_version(
    agency: Agency, mastodon: SocialAccount
) -> None:
    first = citizen("c1", "The bridge is closed again")
    with agency_scope(agency.pk):
        assert [item.remote_id for item in items_receive(account=mastodon, items=[first])] == ["c1"]
        assert items_receive(account=mastodon, items=[first, first]) == []
        edited = items_receive(
            account=mastodon, items=[citizen("c1", "The bridge is closed again, since 9:00")]
        )
        versions = list(InboxItemVersion.objects.order_by("number").values_list("number", "text"))

    assert [(item.version, item.text) for item in edited] == [
        (2, "The bridge is closed again, since 9:00")
    ]
    assert versions == [
        (1, "The bridge is closed again"),
        (2, "The bridge is closed again, since 9:00"),
    ]
    assert len(items(agency)) == 1
    assert [event.data["version"] for event in events(agency, RECEIVED)] == [1]
    [edit] = events(agency, EDITED)
    assert (edit.data["version"], edit.data["text"]) == (
        2,
        "The bridge is closed again, since 9:00",
    )
    assert edit.data["content"] != events(agency, RECEIVED)[0].data["content"]


def test_what_a_push_did_not_say_is_filled_in_by_the_poll_without_a_new_version(
    agency: Agency, mastodon: SocialAccount
) -> None:
    # A push names neither a Messenger sender nor a comment's page; the poll does.
    pushed = citizen("m1", "Is the pool open?", author_name="", kind=InboundKind.MESSAGE)
    polled = citizen("m1", "Is the pool open?", permalink="https://town.example/m1")
    with agency_scope(agency.pk):
        items_receive(account=mastodon, items=[pushed])
        assert items_receive(account=mastodon, items=[polled]) == []
        again = items_receive(account=mastodon, items=[pushed])

    [item] = items(agency)
    assert (item.author_name, item.permalink, item.version) == (
        "Amara Okafor",
        "https://town.example/m1",
        1,
    )
    assert again == [] and len(events(agency, RECEIVED)) == 1 and events(agency, EDITED) == []


def test_an_item_edited_then_deleted_on_the_network_keeps_both_versions_and_its_deletion(
    agency: Agency, mastodon: SocialAccount, quiet: Emulator
) -> None:
    ours = published(agency, mastodon, "Pools open on Saturday")
    said = quiet.inbound(
        network="mastodon",
        account="riverton",
        kind="reply",
        text="@riverton the pool staff were rude",
        in_reply_to=ours.remote_id,
    )
    assert poll_now(mastodon) == 1

    quiet.edit("mastodon", said["id"], "@riverton the pool staff were rude to my son")
    assert poll_now(mastodon) == 1
    quiet.delete("mastodon", said["id"])
    assert poll_now(mastodon) == 1
    assert poll_now(mastodon) == 0

    [item] = items(agency)
    with agency_scope(agency.pk):
        versions = list(item.versions.values_list("number", "text"))
    assert versions == [
        (1, "@riverton the pool staff were rude"),
        (2, "@riverton the pool staff were rude to my son"),
    ]
    assert item.text == "@riverton the pool staff were rude to my son"
    assert item.deleted_on_network_at is not None
    [edit] = events(agency, EDITED)
    [deletion] = events(agency, DELETED)
    assert edit.data["text"] == "@riverton the pool staff were rude to my son"
    assert deletion.object_id == str(item.pk) and deletion.data["noticed_by"] == "re-read"
    assert deletion.data["noticed_at"] == item.deleted_on_network_at.isoformat()


def test_an_x_mention_edited_on_the_network_is_one_item_with_two_versions(
    agency: Agency, quiet: Emulator
) -> None:
    x = emulated_account_for(agency, quiet, "x", "riverton")
    said = quiet.inbound(network="x", account="riverton", kind="mention", text="@riverton hi")
    assert poll_now(x) == 1
    quiet.edit("x", said["id"], "@riverton hi, the lights are out on Elm")
    assert poll_now(x) == 1

    [item] = items(agency)
    with agency_scope(agency.pk):
        versions = list(item.versions.values_list("number", "text"))
    assert item.remote_id == said["id"]
    assert versions == [(1, "@riverton hi"), (2, "@riverton hi, the lights are out on Elm")]
    assert [event.data["text"] for event in events(agency, EDITED)] == [
        "@riverton hi, the lights are out on Elm"
    ]


def test_items_past_the_reread_window_are_not_read_again(
    agency: Agency, mastodon: SocialAccount, quiet: Emulator
) -> None:
    said = quiet.inbound(
        network="mastodon", account="riverton", kind="mention", text="@riverton hi"
    )
    assert poll_now(mastodon) == 1
    with agency_scope(agency.pk):
        InboxItem.objects.update(received_at=timezone.now() - REREAD_FOR - timedelta(minutes=1))
    quiet.delete("mastodon", said["id"])

    assert poll_now(mastodon) == 0
    assert items(agency)[0].deleted_on_network_at is None


def test_a_reply_to_a_reply_joins_its_conversation(agency: Agency, mastodon: SocialAccount) -> None:
    later = datetime(2026, 12, 4, 9, 31, tzinfo=UTC)
    with agency_scope(agency.pk):
        items_receive(
            account=mastodon,
            items=[citizen("c1", "Is the pool heated?", in_reply_to_remote_id="p9")],
        )
        items_receive(
            account=mastodon,
            items=[
                citizen(
                    "c3", "Thanks!", in_reply_to_remote_id="c2", created_at=later + timedelta(1)
                ),
                citizen("c2", "It is, since May", in_reply_to_remote_id="c1", created_at=later),
            ],
        )
    assert [(item.remote_id, item.thread) for item in items(agency)] == [
        ("c1", "p9"),
        ("c2", "p9"),
        ("c3", "p9"),
    ]


def test_a_throttled_network_defers_the_accounts_next_poll(
    agency: Agency, mastodon: SocialAccount, quiet: Emulator
) -> None:
    quiet.fault("rate_limit", network="mastodon", reset_in=120, count=1)
    before = timezone.now()

    assert poll_now(mastodon) == 0

    with agency_scope(agency.pk):
        poll = InboxPoll.objects.get(account=mastodon)
    assert poll.next_poll_at >= before + timedelta(seconds=120)
    assert poll.problem and poll.polled_at is None
