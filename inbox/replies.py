"""Answering citizens: a reply written on an item's page (or through the API) is
checked by the network's rules, queued, and sent by a worker through the account's
network at most once. It is "sending" (committed) before the network is called; an
answer that never came makes it "unconfirmed", settled by reading the item's replies on
the network, never by sending again; a send that stopped half-way (a worker killed) is
unconfirmed too. A throttled or failing network puts it back in the queue until
``SEND_ATTEMPTS``. Each reply is due at ``next_attempt_at``: the account's inbox poll
sends what is due, and a new reply is handed to a worker as soon as it is written.

Where the agency's replies pass approval (``Coverage.replies_need_approval``), a reply
on an account whose chain asks for approval waits for it ("in review"), decided by the
chain's members step by step as a post is (``approvals.decisions``); only its last
approval queues it. A reply not approved stays, with what was said, and is never sent.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import User
from accounts.services.principals import Principal, person_behind
from approvals.decisions import (
    ENDED_UNAPPROVED,
    checked_decision,
    decision_take,
    person_of,
    round_advance,
    round_steps,
)
from approvals.models import Approval, ApprovalChain, ApprovalState, Verdict
from approvals.rules import Finding, reply_findings, require_allowed
from approvals.selectors import chain_for_accounts, content_rules
from archive.services import SYSTEM
from govsocial.errors import Conflict, GovsocialError, PermissionDenied
from inbox.models import InboxItem, InboxReply, ReplyState
from inbox.routing import coverage_of
from inbox.services import require_on_network, require_worker
from inbox.transitions import reply_claim, reply_move
from notifications.models import Kind
from notifications.services import notify
from publishing.content import problem_said
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
from publishing.selectors import pause_cover
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


def reply_create(
    *, item: InboxItem, text: str, actor: Principal, acknowledge_warnings: bool = False
) -> InboxReply:
    """Write the agency's answer to ``item``, checked by its network's rules and the
    agency's content rules (their warnings acknowledged), and queue it, or send it for
    approval where the agency's replies pass it; recorded in the archive."""
    require_worker(agency=item.agency, actor=actor)
    require_on_network(item)
    text = text.strip()
    if not text:
        raise GovsocialError(_("Write the reply."), field="text")
    problems = adapter_for(item.account.network).validate(OutgoingPost(text))
    if problems:
        raise GovsocialError(" ".join(map(problem_said, problems)), field="text")
    findings = _findings(item, text)
    require_allowed(findings, acknowledged=acknowledge_warnings, of_reply=True)
    writer = person_behind(actor)
    with transaction.atomic():
        chain = _chain_for(item)
        steps = (
            round_steps(chain, agency=item.agency, author_id=writer.pk, members_only=True)
            if chain
            else []
        )
        reply: InboxReply = InboxReply.objects.create(
            agency=item.agency,
            item=item,
            text=text,
            written_by=writer,
            state=ReplyState.IN_REVIEW if chain else ReplyState.QUEUED,
        )
        # The conversation it answers, for the records to show it there.
        written: dict[str, Any] = {
            "item": item.pk,
            "text": text,
            "network": item.account.network,
            "thread": item.thread,
        }
        if chain:
            reply.approval = Approval.objects.create(
                agency=item.agency,
                chain=chain,
                chain_name=chain.name,
                revision=1,
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
                steps=steps,
                submitted_by=writer,
                findings=[finding.as_record() for finding in findings],
                warnings_acknowledged=bool(findings),
            )
            reply.save(update_fields=["approval"])
            written |= {
                "approval": reply.approval.pk,
                "chain": chain.name,
                "steps": steps,
                "findings": reply.approval.findings,
            }
            _ask_approvers(reply, reply.approval)
        else:
            transaction.on_commit(partial(_hand_over, reply))
        archive.record(
            agency=item.agency, actor=actor, verb="inbox.reply_written", obj=reply, data=written
        )
    return reply


def _findings(item: InboxItem, text: str) -> list[Finding]:
    return reply_findings(
        text, content_rules(), account_id=item.account_id, account=str(item.account)
    )


def _chain_for(item: InboxItem) -> ApprovalChain | None:
    """Return the chain a reply on ``item`` passes, or None when it goes straight out:
    the agency's replies need no approval, or its account's chain asks none."""
    if not coverage_of(item.agency).replies_need_approval:
        return None
    choice = chain_for_accounts(account_ids=[item.account_id])
    return choice.chain if choice.needs_approval else None


def reply_decide(
    *, reply: InboxReply, actor: Principal, verdict: str, comment: str = ""
) -> InboxReply:
    """Record ``actor``'s decision at the current step of the reply's round: the last
    approval queues the reply to be sent; rejecting or asking for changes (saying why)
    ends the round and the reply is not sent, its writer told. Refused: a reply
    needing no approval, its own writer, and whoever is not an approver of the step."""
    comment = checked_decision(verdict, comment)
    person = person_of(actor)
    with transaction.atomic():
        reply = (
            InboxReply.objects.select_for_update(no_key=True, of=("self",))
            .select_related("item__account", "agency")
            .get(pk=reply.pk)
        )
        if reply.approval_id is None:
            raise Conflict(_("This reply needed no approval."))
        approval = Approval.objects.select_for_update().get(pk=reply.approval_id)
        if reply.written_by_id == person.pk:
            raise PermissionDenied(_("Nobody approves their own reply."))
        decision_take(approval, person=person, verdict=verdict, comment=comment)
        if verdict == Verdict.APPROVE:
            # Checked again: the rules may have changed since it was written.
            require_allowed(
                [f for f in _findings(reply.item, reply.text) if f.blocks],
                acknowledged=True,
                of_reply=True,
            )
        decided: dict[str, Any] = {
            "approval": approval.pk,
            "step": approval.step,
            "verdict": verdict,
            "comment": comment,
        }
        if round_advance(approval, verdict):
            _ask_approvers(reply, approval)
        if approval.state == ApprovalState.APPROVED:
            reply_move(reply_id=reply.pk, state=ReplyState.QUEUED, next_attempt_at=Now())
            transaction.on_commit(partial(_hand_over, reply))
        elif approval.state in ENDED_UNAPPROVED:
            reply_move(reply_id=reply.pk, state=ReplyState.NOT_APPROVED, failure_reason=comment)
        if approval.state != ApprovalState.PENDING:
            _tell_writer(reply, approval, person, comment)
        decided |= {
            "state": approval.state,
            "next_step": approval.step if approval.state == ApprovalState.PENDING else None,
        }
        archive.record(
            agency=reply.agency, actor=actor, verb="approval.decided", obj=reply, data=decided
        )
    return _reply(reply.pk)


def _item_link(reply: InboxReply) -> str:
    return settings.SITE_URL + reverse(
        "inbox_item", kwargs={"agency_slug": reply.agency.slug, "item_id": reply.item_id}
    )


def _ask_approvers(reply: InboxReply, approval: Approval) -> None:
    """Email each approver of the current step of the reply's round (``approval``)
    that it waits for them."""
    step = approval.steps[approval.step - 1]
    for approver in User.objects.filter(pk__in=step["approvers"]).order_by("pk"):
        context = {
            "approver": approver,
            "approval": approval,
            "reply": reply,
            "link": _item_link(reply),
        }
        notify(
            user=approver,
            kind=Kind.APPROVAL_REQUESTED,
            subject=_("A reply waits for your approval"),
            body=render_to_string("emails/reply_approval_requested.txt", context),
            link=_item_link(reply),
            about=reply.item,
        )


def _tell_writer(reply: InboxReply, approval: Approval, decider: User, comment: str) -> None:
    """Tell the reply's writer how its round ended, and who ended it."""
    link = _item_link(reply)
    context = {
        "reply": reply,
        "approval": approval,
        "decided_by": decider.display_name,
        "comment": comment,
        "link": link,
    }
    subject = (
        _("Your reply was approved")
        if approval.state == ApprovalState.APPROVED
        else _("Your reply was not approved")
    )
    notify(
        user=reply.written_by,
        kind=Kind.APPROVAL_DECIDED,
        subject=subject,
        body=render_to_string("emails/reply_approval_decided.txt", context),
        link=link,
        about=reply.item,
    )


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
    return it as it ended up, or None when there was nothing to do (not due, held by a
    crisis pause of its account or a restriction of its item, or another worker had
    it). A held reply stays queued and goes out at the account's first poll once the
    pause ends or the restriction is lifted."""
    claimed = reply_claim(
        reply_id=reply_id,
        stuck_after=_sending_lease(),
        look_after=LOOK_AFTER,
        held=reply_held(reply_id=reply_id),
    )
    if claimed == "send":
        return _send(_reply(reply_id))
    if claimed == "look":
        return _look(_reply(reply_id))
    return None


def reply_held(*, reply_id: int) -> bool:
    """Say whether the bound agency's reply is held: by a crisis pause of its account,
    or because its item's author had the item's processing restricted (it goes out once
    the restriction is lifted)."""
    reply = InboxReply.objects.select_related("agency", "item").filter(pk=reply_id).first()
    if reply is None:
        return False
    return bool(reply.item.restricted_under) or pause_cover(agency=reply.agency).covers(
        reply.item.account_id
    )


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
