"""Answering citizens: a reply written on the item's page is checked by the network's
rules, queued, and sent once through the account's network (the emulator); it shows in
the conversation with its address, and the archive keeps what went out. An answer that
never came is settled by reading the item's replies, never by sending again; a busy
network puts it back in the queue; a refusal says why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models.functions import Now
from django.urls import reverse

from accounts.models import Agency
from archive.models import ArchiveContent, ArchiveEvent
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem, InboxPoll, InboxReply, ReplyState
from inbox.replies import reply_send
from inbox.services import account_poll
from publishing.models import SocialAccount
from publishing.services.pauses import pause_end, pause_start
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.publishing.delivery import NETWORK_TIMEOUT, TIMED_OUT_MS

pytestmark = pytest.mark.django_db

STATUSES = "/api/v1/statuses"


def write(personas: Personas, item: InboxItem, text: str) -> str:
    """Send the reply form as agency A's author; return the page it leads to."""
    url = reverse("inbox_item", args=["alpha", item.pk])
    answer = personas.client_for(personas.author_a).post(url, {"text": text}, follow=True)
    return answer.content.decode()


def the_reply(agency: Agency) -> InboxReply:
    with agency_scope(agency.pk):
        return InboxReply.objects.get()


def sent_now(agency: Agency, reply: InboxReply) -> InboxReply | None:
    with agency_scope(agency.pk):
        InboxReply.objects.filter(pk=reply.pk).update(next_attempt_at=Now())
        return reply_send(reply_id=reply.pk)


def replies_on_the_network(quiet: Emulator, item: InboxItem) -> list[dict[str, object]]:
    return [
        post
        for post in quiet.posts(network="mastodon", account="riverton", origin="account")
        if post["in_reply_to"] == item.remote_id
    ]


def test_a_reply_is_sent_once_and_shows_in_the_conversation(
    personas: Personas, item: InboxItem, quiet: Emulator
) -> None:
    written = write(personas, item, "Yes, until 8 p.m. today.")
    queued = the_reply(personas.agency_a)

    sent = sent_now(personas.agency_a, queued)
    again = sent_now(personas.agency_a, queued)
    page = personas.client_for(personas.author_a).get(
        reverse("inbox_item", args=["alpha", item.pk])
    )

    assert "Your reply is on its way." in written and queued.state == ReplyState.QUEUED
    assert sent is not None and sent.state == ReplyState.SENT and sent.remote_id
    assert again is None
    (remote,) = replies_on_the_network(quiet, item)
    assert remote["id"] == sent.remote_id and "Yes, until 8 p.m. today." in str(remote["text"])
    html = page.content.decode()
    assert html.index("is the pool open?") < html.index("Yes, until 8 p.m. today.")
    assert sent.permalink in html and "Sent" in html
    with agency_scope(personas.agency_a.pk):
        verbs = list(
            ArchiveEvent.objects.filter(verb__startswith="inbox.reply_").values_list("verb", "data")
        )
        kept = ArchiveContent.objects.filter(sha256=verbs[1][1]["content"]).exists()
    assert [verb for verb, _data in verbs] == ["inbox.reply_written", "inbox.reply_sent"]
    assert verbs[0][1]["text"] == "Yes, until 8 p.m. today." and kept


def test_an_item_deleted_on_the_network_says_so_and_cannot_be_answered(
    personas: Personas, account: SocialAccount, item: InboxItem, quiet: Emulator
) -> None:
    quiet.delete("mastodon", item.remote_id)
    with agency_scope(personas.agency_a.pk):
        InboxPoll.objects.update(next_poll_at=Now())
        assert account_poll(account=account) == 1

    page = personas.client_for(personas.author_a).get(
        reverse("inbox_item", args=["alpha", item.pk])
    )
    answered = write(personas, item, "We are sorry to hear it.")

    assert "Deleted by its author; noticed" in page.content.decode()
    assert 'name="text"' not in page.content.decode()
    assert "can no longer be answered or moderated there" in answered
    with agency_scope(personas.agency_a.pk):
        assert not InboxReply.objects.exists()


def test_a_reply_the_network_would_refuse_is_not_queued(
    personas: Personas, item: InboxItem
) -> None:
    page = write(personas, item, "x" * 501)

    assert "500" in page and "Your reply is on its way." not in page
    with agency_scope(personas.agency_a.pk):
        assert not InboxReply.objects.exists()


def test_an_answer_that_never_came_is_settled_by_reading_the_network(
    personas: Personas, item: InboxItem, quiet: Emulator, settings: Any
) -> None:
    # The network keeps the reply but answers after the client gave up.
    settings.NETWORKS = {
        **settings.NETWORKS,
        "mastodon": settings.NETWORKS["mastodon"] | {"timeout_seconds": NETWORK_TIMEOUT},
    }
    quiet.fault(
        "accepted_timeout",
        network="mastodon",
        method="POST",
        path=STATUSES,
        hold_ms=TIMED_OUT_MS,
        count=1,
    )
    write(personas, item, "We open at 9 a.m.")
    unknown = sent_now(personas.agency_a, the_reply(personas.agency_a))
    assert unknown is not None and unknown.state == ReplyState.UNCONFIRMED

    settled = sent_now(personas.agency_a, unknown)

    (remote,) = replies_on_the_network(quiet, item)
    assert settled is not None and settled.state == ReplyState.SENT
    assert settled.remote_id == remote["id"]


def test_a_busy_network_puts_the_reply_back_in_the_queue_and_a_refusal_fails_it(
    personas: Personas, item: InboxItem, quiet: Emulator
) -> None:
    quiet.fault("server_error", network="mastodon", method="POST", path=STATUSES, count=1)
    write(personas, item, "Checking for you.")
    busy = sent_now(personas.agency_a, the_reply(personas.agency_a))
    assert busy is not None and busy.state == ReplyState.QUEUED and busy.attempts == 1
    with agency_scope(personas.agency_a.pk):
        assert InboxReply.objects.filter(next_attempt_at__gt=Now()).exists()

    quiet.fault("token_expired", network="mastodon", count=1)
    refused = sent_now(personas.agency_a, busy)

    assert refused is not None and refused.state == ReplyState.FAILED
    assert refused.failure_reason
    assert replies_on_the_network(quiet, item) == []
    with agency_scope(personas.agency_a.pk):
        assert ArchiveEvent.objects.filter(verb="inbox.reply_failed").count() == 1


def test_a_send_that_stopped_half_way_is_never_sent_again_blindly(
    personas: Personas, item: InboxItem, quiet: Emulator
) -> None:
    write(personas, item, "On our way.")
    reply = the_reply(personas.agency_a)
    with agency_scope(personas.agency_a.pk):
        # A worker claimed it and died before the network was called.
        InboxReply.objects.filter(pk=reply.pk).update(
            state=ReplyState.SENDING, sending_at=Now() - timedelta(minutes=5)
        )

    looked = sent_now(personas.agency_a, reply)

    assert looked is not None and looked.state == ReplyState.UNCONFIRMED
    assert replies_on_the_network(quiet, item) == []


def test_a_crisis_pause_holds_replies_until_it_ends(
    personas: Personas, item: InboxItem, account: SocialAccount, quiet: Emulator
) -> None:
    with agency_scope(personas.agency_a.pk):
        pause = pause_start(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            reason="Flooding: every message goes through the emergency centre.",
            accounts=[account],
        )
    written = write(personas, item, "The pool is open until 8.")
    held = the_reply(personas.agency_a)

    assert "Publishing is paused on this account" in written
    assert sent_now(personas.agency_a, held) is None
    assert the_reply(personas.agency_a).state == ReplyState.QUEUED
    assert replies_on_the_network(quiet, item) == []

    with agency_scope(personas.agency_a.pk):
        pause_end(pause=pause, actor=personas.admin_a.user, overdue_now=True)
    sent = sent_now(personas.agency_a, held)
    assert sent is not None and sent.state == ReplyState.SENT
    assert len(replies_on_the_network(quiet, item)) == 1
