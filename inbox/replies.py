"""Answering citizens: a reply written on an item's page (or through the API) is
checked by the network's rules, queued, and sent by a worker through the account's
network at most once. It is "sending" (committed) before the network is called; an
answer that never came makes it "unconfirmed", settled by reading the item's replies on
the network, never by sending again; a send that stopped half-way (a worker killed) is
unconfirmed too. A throttled or failing network puts it back in the queue until
``SEND_ATTEMPTS``. Each reply is due at ``next_attempt_at``: the account's inbox poll
sends what is due, and a new reply is handed to a worker as soon as it is written.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.services.principals import Principal, person_behind
from archive.services import SYSTEM
from govsocial.errors import GovsocialError
from inbox.models import InboxItem, InboxReply, ReplyState
from inbox.services import require_on_network, require_worker
from inbox.transitions import reply_claim, reply_move
from publishing.models import SocialAccount
from publishing.networks.base import (
    NetworkError,
    OutcomeUnknownError,
    OutgoingPost,
    PublishedPost,
    TransientNetworkError,
)
from publishing.networks.registry import adapter_for
from publishing.networks.timeline import comparable
from publishing.services import account_refresh

logger = logging.getLogger(__name__)

SEND_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=1)
# When an unconfirmed reply is first looked for, and how long before one never found
# is given up (the person may then send it again, knowing it did not go out).
LOOK_AFTER = timedelta(seconds=30)
GIVE_UP_AFTER = timedelta(minutes=10)


def _sending_lease() -> timedelta:
    """How long a send may take before it counts as stopped half-way."""
    return timedelta(seconds=3 * settings.NETWORK_TIMEOUT_SECONDS)


def reply_create(*, item: InboxItem, text: str, actor: Principal) -> InboxReply:
    """Write the agency's answer to ``item``, checked by its network's rules, and queue
    it; recorded in the archive."""
    require_worker(agency=item.agency, actor=actor)
    require_on_network(item)
    text = text.strip()
    if not text:
        raise GovsocialError(_("Write the reply."), field="text")
    problems = adapter_for(item.account.network).validate(OutgoingPost(text))
    if problems:
        raise GovsocialError(" ".join(problem.message for problem in problems), field="text")
    with transaction.atomic():
        reply: InboxReply = InboxReply.objects.create(
            agency=item.agency, item=item, text=text, written_by=person_behind(actor)
        )
        archive.record(
            agency=item.agency,
            actor=actor,
            verb="inbox.reply_written",
            obj=reply,
            data={"item": item.pk, "text": text},
        )
        transaction.on_commit(lambda: _hand_over(reply))
    return reply


def _hand_over(reply: InboxReply) -> None:
    from inbox.tasks import reply_send_task

    reply_send_task.delay(agency_id=reply.agency_id, reply_id=reply.pk)


def replies_due(*, account: SocialAccount) -> list[int]:
    """Return the ids of the account's replies due to be sent or settled."""
    return list(
        InboxReply.objects.filter(
            item__account=account,
            state__in=[ReplyState.QUEUED, ReplyState.SENDING, ReplyState.UNCONFIRMED],
            next_attempt_at__lte=Now(),
        ).values_list("id", flat=True)
    )


def reply_send(*, reply_id: int) -> InboxReply | None:
    """Send a due reply of the bound agency, or settle one whose answer never came;
    return it as it ended up, or None when there was nothing to do (not due, or
    another worker had it)."""
    claimed = reply_claim(reply_id=reply_id, stuck_after=_sending_lease(), look_after=LOOK_AFTER)
    if claimed == "send":
        return _send(_reply(reply_id))
    if claimed == "look":
        return _look(_reply(reply_id))
    return None


def _reply(reply_id: int) -> InboxReply:
    reply: InboxReply = InboxReply.objects.select_related("item__account", "agency").get(
        pk=reply_id
    )
    return reply


def _send(reply: InboxReply) -> InboxReply:
    """Call the network for a reply this worker claimed."""
    try:
        account = account_refresh(account=reply.item.account)
        sent = adapter_for(account.network).reply(
            account.credentials(), in_reply_to=reply.item.remote_id, text=reply.text
        )
    except OutcomeUnknownError as error:
        logger.info("reply %s unconfirmed: %s", reply.pk, error.reason)
        return _moved(reply, state=ReplyState.UNCONFIRMED, next_attempt_at=Now() + LOOK_AFTER)
    except TransientNetworkError as error:
        if reply.attempts >= SEND_ATTEMPTS:
            return _failed(reply, error.reason)
        wait = timedelta(seconds=error.retry_after) if error.retry_after else RETRY_AFTER
        return _moved(
            reply, state=ReplyState.QUEUED, next_attempt_at=Now() + max(wait, RETRY_AFTER)
        )
    except NetworkError as error:
        return _failed(reply, error.reason)
    return _sent(reply, sent)


def _look(reply: InboxReply) -> InboxReply:
    """Settle an unconfirmed reply: sent if it is among the item's replies on the
    network, not sent once it has stayed missing too long."""
    account = reply.item.account
    try:
        found = adapter_for(account.network).fetch_comments(
            account.credentials(), on=reply.item.remote_id
        )
    except NetworkError as error:
        logger.info("reply %s not looked for: %s", reply.pk, error.reason)
        return reply
    known = set(
        InboxReply.objects.filter(item=reply.item)
        .exclude(pk=reply.pk)
        .values_list("remote_id", flat=True)
    )
    wanted = comparable(reply.text)
    for post in sorted(found, key=lambda post: post.created_at):
        if post.remote_id not in known and comparable(post.text).endswith(wanted):
            return _sent(reply, PublishedPost(post.remote_id, post.permalink, post.created_at))
    if reply.sending_at is not None and reply.sending_at < timezone.now() - GIVE_UP_AFTER:
        return _failed(
            reply,
            _(
                "The network never confirmed the reply, and it is not among the item's"
                " replies there: send it again if it is still needed."
            ),
        )
    return reply


def _moved(reply: InboxReply, state: str, **changes: Any) -> InboxReply:
    reply_move(reply_id=reply.pk, state=state, **changes)
    return _reply(reply.pk)


def _sent(reply: InboxReply, sent: PublishedPost) -> InboxReply:
    """Store the network's answer and keep what went out, on the record."""
    with transaction.atomic():
        (content,) = archive.keep_documents(
            agency=reply.agency,
            documents=[
                {
                    "network": reply.item.account.network,
                    "account": reply.item.account.handle,
                    "in_reply_to": reply.item.remote_id,
                    "text": reply.text,
                    "remote_id": sent.remote_id,
                    "permalink": sent.permalink,
                }
            ],
        )
        reply = _moved(
            reply,
            state=ReplyState.SENT,
            remote_id=sent.remote_id,
            permalink=sent.permalink,
            sent_at=sent.published_at or Now(),
            failure_reason="",
        )
        archive.record(
            agency=reply.agency,
            actor=SYSTEM,
            verb="inbox.reply_sent",
            obj=reply,
            data={
                "item": reply.item_id,
                "remote_id": sent.remote_id,
                "permalink": sent.permalink,
                "content": content,
            },
        )
    return reply


def _failed(reply: InboxReply, reason: str) -> InboxReply:
    with transaction.atomic():
        reply = _moved(reply, state=ReplyState.FAILED, failure_reason=reason)
        archive.record(
            agency=reply.agency,
            actor=SYSTEM,
            verb="inbox.reply_failed",
            obj=reply,
            data={"item": reply.item_id, "reason": reason},
        )
    return reply
