"""Moderation: admins keep the agency's comment policy, clause by clause; those who
work the inbox hide a citizen's reply on the network (the emulator) under a clause and
show it again, each recorded with who and why; a network that cannot hide says so and
nothing changes; the item stays in the inbox either way."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem, PolicyClause
from inbox.services import account_poll
from publishing.models import SocialAccount
from publishing.networks.base import Network, OutgoingPost
from publishing.networks.registry import adapter_for
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import api_key_for, emulated_account_for

pytestmark = pytest.mark.django_db

MODERATIONS = ["inbox.item_hidden", "inbox.item_shown"]


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

    no_clause = client.post(url, {"clause": "", "note": ""})
    hidden = client.post(url, {"clause": clause.pk, "note": "Insults"}, follow=True)
    hidden_there = hidden_on_the_network(quiet, item)
    shown = client.post(url, {"clause": clause.pk, "note": ""}, follow=True)

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


def test_a_network_that_cannot_hide_says_so_and_nothing_changes(
    personas: Personas, quiet: Emulator, clause: PolicyClause
) -> None:
    item = received_reply(personas, quiet, "mastodon")
    url = reverse("inbox_item", args=["alpha", item.pk])

    refused = personas.client_for(personas.author_a).post(url, {"clause": clause.pk})

    assert refused.status_code == 400
    assert "Mastodon cannot hide replies." in refused.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert InboxItem.objects.get(pk=item.pk).hidden is False
        assert not ArchiveEvent.objects.filter(verb="inbox.item_hidden").exists()


def test_the_api_hides_under_a_clause_by_its_number(
    personas: Personas, quiet: Emulator, clause: PolicyClause
) -> None:
    item = received_reply(personas, quiet, "x")
    _key, token = api_key_for(personas.agency_a, Role.AUTHOR)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    url = f"/api/agencies/alpha/inbox/items/{item.pk}/hide/"

    unknown = client.post(url, {"hidden": True, "clause": "9.9"}, content_type="application/json")
    hidden = client.post(url, {"hidden": True, "clause": "3.2"}, content_type="application/json")
    policy = client.get("/api/agencies/alpha/inbox/policy-clauses/").json()

    assert unknown.status_code == 400 and unknown.json()["errors"][0]["pointer"] == "/clause"
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    assert hidden_on_the_network(quiet, item)
    assert [(c["code"], c["title"]) for c in policy["results"]] == [("3.2", "Personal attacks")]
