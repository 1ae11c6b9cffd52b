"""Moderation: admins keep the agency's comment policy, clause by clause; those who
work the inbox hide a citizen's reply on the network (the emulator) under a clause and
show it again, delete it there, or block its author, each where the network allows it
and recorded with who and why; a network that cannot says so and nothing changes; the
item stays in the inbox and the archive whatever is done."""

from __future__ import annotations

import re

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from inbox.models import BlockedAuthor, InboxItem, PolicyClause
from inbox.services import account_poll
from publishing.models import SocialAccount
from publishing.networks.base import (
    AccountCredentials,
    InboundKind,
    Moderation,
    Network,
    OutgoingPost,
    PermanentNetworkError,
)
from publishing.networks.registry import adapter_for
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import api_key_for, emulated_account_for

pytestmark = pytest.mark.django_db

MODERATIONS = [
    "inbox.item_hidden",
    "inbox.item_shown",
    "inbox.item_deleted",
    "inbox.author_blocked",
    "inbox.author_unblocked",
]


@pytest.fixture
def clause(personas: Personas) -> PolicyClause:
    """The agency's clause on personal attacks, added by its admin on the policy page."""
    url = reverse("inbox_policy", args=["alpha"])
    added = personas.client_for(personas.admin_a).post(
        url, {"code": "3.2", "title": "Personal attacks", "text": "We hide insults."}
    )
    assert added.status_code == 302
    with agency_scope(personas.agency_a.pk):
        return PolicyClause.objects.get(code="3.2")


def received_reply(personas: Personas, quiet: Emulator, network: str) -> InboxItem:
    """A citizen's reply to the agency's own post on ``network``, polled in."""
    account: SocialAccount = emulated_account_for(personas.agency_a, quiet, network, "riverton")
    ours = adapter_for(Network(network)).publish(account.credentials(), OutgoingPost("Road works"))
    quiet.inbound(
        network=network,
        account="riverton",
        kind="reply",
        text="You are all useless idiots",
        in_reply_to=ours.remote_id,
    )
    with agency_scope(personas.agency_a.pk):
        assert account_poll(account=account) == 1
        return InboxItem.objects.get()


def hidden_on_the_network(quiet: Emulator, item: InboxItem) -> bool:
    (post,) = [p for p in quiet.posts(network="x") if p["id"] == item.remote_id]
    return bool(post["hidden"])


def test_admins_keep_the_policy_and_others_read_it(
    personas: Personas, clause: PolicyClause
) -> None:
    url = reverse("inbox_policy", args=["alpha"])
    admin = personas.client_for(personas.admin_a)

    again = admin.post(url, {"code": "3.2", "title": "Spam"})
    by_author = personas.client_for(personas.author_a).post(url, {"code": "4", "title": "Spam"})
    retired = admin.post(url, {"retire": clause.pk}, follow=True)
    page = personas.client_for(personas.author_a).get(url).content.decode()

    assert again.status_code == 400
    assert "The policy has a clause with this number." in again.content.decode()
    assert by_author.status_code == 400
    assert "Only an agency admin keeps the comment policy." in by_author.content.decode()
    assert "The clause is retired." in retired.content.decode()
    assert "Personal attacks" in page and "Retired on" in page and "Add a clause" not in page
    with agency_scope(personas.agency_a.pk):
        verbs = list(ArchiveEvent.objects.filter(verb__startswith="inbox.policy"))
    assert [event.verb for event in verbs] == [
        "inbox.policy_clause_added",
        "inbox.policy_clause_retired",
    ]


def test_a_worker_hides_a_reply_under_a_clause_and_shows_it_again(
    personas: Personas, quiet: Emulator, clause: PolicyClause
) -> None:
    item = received_reply(personas, quiet, "x")
    url = reverse("inbox_item", args=["alpha", item.pk])
    client = personas.client_for(personas.author_a)

    no_clause = client.post(url, {"action": "hide", "clause": "", "note": ""})
    hidden = client.post(
        url, {"action": "hide", "clause": clause.pk, "note": "Insults"}, follow=True
    )
    hidden_there = hidden_on_the_network(quiet, item)
    shown = client.post(url, {"action": "show", "clause": clause.pk, "note": ""}, follow=True)

    assert no_clause.status_code == 400
    assert "Choose the clause of the comment policy that applies." in no_clause.content.decode()
    assert "It is hidden on the network." in hidden.content.decode()
    assert "Hidden by the agency" in hidden.content.decode()
    assert hidden_there and not hidden_on_the_network(quiet, item)
    assert "It shows on the network again." in shown.content.decode()
    with agency_scope(personas.agency_a.pk):
        events = list(
            ArchiveEvent.objects.filter(
                object_id=str(item.pk), verb__in=["inbox.item_hidden", "inbox.item_shown"]
            )
            .order_by("id")
            .values_list("verb", "actor_name", "data")
        )
        assert InboxItem.objects.get(pk=item.pk).hidden is False
    assert [(verb, data["clause"], data["note"]) for verb, _actor, data in events] == [
        ("inbox.item_hidden", "3.2", "Insults"),
        ("inbox.item_shown", "3.2", ""),
    ]
    assert events[0][1] == personas.author_a.user.display_name


# What each network lets an account do to a citizen's reply to its post.
OFFERED = {
    "x": ["hide", "block"],
    "mastodon": ["block"],
    "facebook": ["hide", "delete", "block"],
    "bluesky": ["block"],
}


@pytest.mark.parametrize("network", list(OFFERED))
def test_the_page_offers_what_the_network_allows_and_the_api_says_it(
    personas: Personas, quiet: Emulator, clause: PolicyClause, network: str
) -> None:
    item = received_reply(personas, quiet, network)
    page = personas.client_for(personas.author_a).get(
        reverse("inbox_item", args=["alpha", item.pk])
    )
    _key, token = api_key_for(personas.agency_a, Role.AUTHOR)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    described = client.get(f"/api/agencies/alpha/inbox/items/{item.pk}/").json()

    offered = re.findall(r'name="action" value="(\w+)"', page.content.decode())
    assert offered == OFFERED[network]
    assert described["moderations"] == OFFERED[network]


def test_a_network_that_cannot_do_it_says_so_and_nothing_changes(
    personas: Personas, quiet: Emulator, clause: PolicyClause
) -> None:
    item = received_reply(personas, quiet, "mastodon")
    _key, token = api_key_for(personas.agency_a, Role.AUTHOR)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    url = f"/api/agencies/alpha/inbox/items/{item.pk}/moderate/"

    refused = [
        client.post(url, {"action": action, "clause": "3.2"}, content_type="application/json")
        for action in ("hide", "delete")
    ]

    assert [answer.status_code for answer in refused] == [400, 400]
    assert "Mastodon cannot hide replies." in refused[0].json()["detail"]
    assert "delete other people's statuses" in refused[1].json()["detail"]
    with agency_scope(personas.agency_a.pk):
        assert InboxItem.objects.get(pk=item.pk).hidden is False
        assert not ArchiveEvent.objects.filter(verb__in=MODERATIONS).exists()


def test_a_worker_deletes_a_comment_on_the_network_and_it_stays_on_the_record(
    personas: Personas, quiet: Emulator, clause: PolicyClause
) -> None:
    item = received_reply(personas, quiet, "facebook")
    url = reverse("inbox_item", args=["alpha", item.pk])
    client = personas.client_for(personas.author_a)

    deleted = client.post(
        url, {"action": "delete", "clause": clause.pk, "note": "Threat"}, follow=True
    )
    reply = client.post(url, {"text": "We are sorry to read this."})

    assert "It is deleted on the network." in deleted.content.decode()
    assert "Deleted by the agency" in deleted.content.decode()
    assert "Delete it on the network" not in deleted.content.decode()
    assert [p["id"] for p in quiet.posts(network="facebook", origin="citizen")] == []
    assert reply.status_code == 400
    assert "deleted on the network under the comment policy" in reply.content.decode()
    with agency_scope(personas.agency_a.pk):
        kept = InboxItem.objects.get(pk=item.pk)
        (event,) = ArchiveEvent.objects.filter(verb="inbox.item_deleted", object_id=str(item.pk))
    assert kept.deleted_by_agency and kept.deleted_on_network_at is not None
    assert kept.text == "You are all useless idiots"
    assert (event.data["clause"], event.data["note"]) == ("3.2", "Threat")


@pytest.mark.parametrize("network", ["x", "mastodon", "facebook", "bluesky"])
def test_a_worker_blocks_the_author_who_then_reaches_the_account_no_more_until_unblocked(
    personas: Personas, quiet: Emulator, clause: PolicyClause, network: str
) -> None:
    item = received_reply(personas, quiet, network)
    url = reverse("inbox_item", args=["alpha", item.pk])
    client = personas.client_for(personas.author_a)

    blocked = client.post(
        url,
        {"action": "block", "clause": clause.pk},
        follow=True,
        headers={"accept-language": "fr"},
    )
    again = client.post(url, {"action": "block", "clause": clause.pk})

    page = blocked.content.decode()
    assert "Son auteur est bloqué sur le réseau." in page
    assert "Bloqué par le compte" in page
    assert again.status_code == 400
    assert quiet.blocked(network, "riverton") == [_citizen_id(quiet, network, item)]
    with pytest.raises(httpx.HTTPStatusError):
        quiet.inbound(network=network, account="riverton", kind="mention", text="Still here")
    with agency_scope(personas.agency_a.pk):
        (event,) = ArchiveEvent.objects.filter(verb="inbox.author_blocked")
        assert BlockedAuthor.objects.get().author_handle == item.author_handle
    assert (event.data["clause"], event.data["author"]) == ("3.2", item.author_handle)
    assert 'value="unblock"' in page

    # A block made in error is lifted, on the record too.
    lifted = client.post(url, {"action": "unblock", "clause": clause.pk}, follow=True)

    assert "Its author is no longer blocked on the network." in lifted.content.decode()
    assert quiet.blocked(network, "riverton") == []
    quiet.inbound(network=network, account="riverton", kind="mention", text="Back again")
    with agency_scope(personas.agency_a.pk):
        assert not BlockedAuthor.objects.exists()
        (lift,) = ArchiveEvent.objects.filter(verb="inbox.author_unblocked")
    assert lift.data["author"] == item.author_handle


def _citizen_id(quiet: Emulator, network: str, item: InboxItem) -> str:
    """Return the network's id of the citizen who wrote ``item``."""
    (post,) = [
        p for p in quiet.posts(network=network, origin="citizen") if p["id"] == item.remote_id
    ]
    return str(post["author_id"])


def test_instagram_refuses_to_block_and_says_where_it_can_be_done() -> None:
    adapter = adapter_for(Network.INSTAGRAM)

    with pytest.raises(PermanentNetworkError, match="Block them in the Instagram app"):
        credentials = AccountCredentials(Network.INSTAGRAM, "1", "riverton", "token")
        adapter.block_author(credentials, "17900000000000001")
    assert adapter.moderations(InboundKind.COMMENT) == {Moderation.HIDE, Moderation.DELETE}


def test_the_api_moderates_under_a_clause_by_its_number(
    personas: Personas, quiet: Emulator, clause: PolicyClause
) -> None:
    item = received_reply(personas, quiet, "x")
    _key, token = api_key_for(personas.agency_a, Role.AUTHOR)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    url = f"/api/agencies/alpha/inbox/items/{item.pk}/moderate/"

    unknown = client.post(url, {"action": "hide", "clause": "9.9"}, content_type="application/json")
    hidden = client.post(url, {"action": "hide", "clause": "3.2"}, content_type="application/json")
    twice = client.post(url, {"action": "hide", "clause": "3.2"}, content_type="application/json")
    policy = client.get("/api/agencies/alpha/inbox/policy-clauses/").json()

    assert unknown.status_code == 400 and unknown.json()["errors"][0]["pointer"] == "/clause"
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    assert hidden.json()["moderations"] == ["show", "block"]
    assert twice.status_code == 400 and twice.json()["errors"][0]["pointer"] == "/action"
    assert hidden_on_the_network(quiet, item)
    assert [(c["code"], c["title"]) for c in policy["results"]] == [("3.2", "Personal attacks")]
