"""The inbox's state machines, written here and nowhere else (DESIGN.md, invariant 9):
an item's status (open, waiting, closed), whether it is hidden on the network or was
deleted there by the agency, and a reply's way to the network (queued,
sending, sent, unconfirmed, failed; see ``inbox.replies``). Each move is one
conditional write, so two workers never both make it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from inbox.models import InboxItem, InboxReply, ReplyState


def item_status_move(*, item: InboxItem, status: str) -> str | None:
    """Give ``item`` (its row locked by the caller) ``status``; return the status it
    had, or None when it had that one already."""
    if item.status == status:
        return None
    before, item.status = item.status, status
    item.save(update_fields=["status"])
    return before


def item_hidden_move(*, item: InboxItem, hidden: bool) -> bool:
    """Mark ``item`` (its row locked by the caller) hidden on the network or shown;
    return whether that changed."""
    if item.hidden == hidden:
        return False
    item.hidden = hidden
    item.save(update_fields=["hidden"])
    return True


def item_deleted_move(*, item: InboxItem) -> bool:
    """Mark ``item`` (its row locked by the caller) deleted on the network by the
    agency; return whether that changed (its author may have deleted it first)."""
    if item.deleted_on_network_at is not None:
        return False
    item.deleted_on_network_at = timezone.now()
    item.deleted_by_agency = True
    item.save(update_fields=["deleted_on_network_at", "deleted_by_agency"])
    return True


def reply_claim(
    *, reply_id: int, stuck_after: timedelta, look_after: timedelta, held: bool = False
) -> str | None:
    """Claim a due reply for this worker; return what to do with it: "send" (it was
    queued, it is now sending; never while ``held``), "look" (its answer never came:
    settle it by reading the network), or None (not due, held, or another worker has
    it). A send that stopped half-way (sending for longer than ``stuck_after``) is
    unconfirmed first: it may have reached the network."""
    replies = InboxReply.objects.filter(pk=reply_id)
    replies.filter(state=ReplyState.SENDING, sending_at__lt=Now() - stuck_after).update(
        state=ReplyState.UNCONFIRMED, next_attempt_at=Now()
    )
    due = replies.filter(next_attempt_at__lte=Now())
    if not held and due.filter(state=ReplyState.QUEUED).update(
        state=ReplyState.SENDING, sending_at=Now(), attempts=F("attempts") + 1
    ):
        return "send"
    if due.filter(state=ReplyState.UNCONFIRMED).update(next_attempt_at=Now() + look_after):
        return "look"
    return None


def reply_move(*, reply_id: int, state: str, **changes: Any) -> None:
    """Move a reply this worker holds to ``state``, with the fields that go with it."""
    InboxReply.objects.filter(pk=reply_id).update(state=state, **changes)
