"""Find out whether a post whose send went unanswered is on the network."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from publishing.content import target_outgoing
from publishing.models import PostTarget, TargetState
from publishing.networks.base import NetworkError, PublishedPost, RemotePost
from publishing.networks.registry import adapter_for
from publishing.networks.timeline import find_sent
from publishing.services.delivery.comment import comment_armed
from publishing.services.delivery.kept import published_keep
from publishing.services.delivery.translations import translation_out_note
from publishing.services.transitions import (
    Move,
    Unanswered,
    fresh_account,
    lost_by_worker,
    now_plus,
    target_advance,
    target_fail,
)

UNCONFIRMED = (TargetState.UNCONFIRMED,)

logger = logging.getLogger(__name__)


def target_reconcile(*, target_id: int) -> PostTarget | None:
    """Settle a target of the bound agency whose outcome is unknown, by reading the
    account's recent posts; return it as it ended up, or None when there was nothing to
    do (not due, or settled by another worker).

    A target still "sending" long after any answer could have come lost its worker, and
    so did one whose worker is gone (its proof of life no longer held): it becomes
    "unconfirmed" first. Then the post found on the account makes it
    "published" with its remote id; a post still missing once the network has had time
    to show it makes it wait for another attempt; a network that cannot be read is read
    again later.
    """
    target = PostTarget.objects.select_related("account").filter(pk=target_id).first()
    if target is None:
        return None
    if target.state == TargetState.SENDING:
        target = _stuck_to_unconfirmed(target)
    if target is None or target.state != TargetState.UNCONFIRMED:
        return None
    if target.next_attempt_at is not None and target.next_attempt_at > timezone.now():
        return None
    unanswered = _unanswered(target)
    since = unanswered.since()
    try:
        account = fresh_account(target.account)
        recent = adapter_for(account.network).fetch_recent(account.credentials(), since=since)
    except NetworkError as error:
        return _look_again(target, error.reason)
    found = find_sent(target.sent_text, recent, exclude=_known_remote_ids(target, since))
    if found is not None:
        return _found(target, found)
    if timezone.now() < unanswered.settled_at():
        return _look_again(target, "")
    return _missing(target)


def _stuck_to_unconfirmed(target: PostTarget) -> PostTarget | None:
    """Take a target "sending" for longer than any answer could take, or whose worker
    is gone, as lost by its worker; leave one still within that time, whose worker
    lives, alone (it is checked on again)."""
    changes = lost_by_worker(_unanswered(target), target.sender)
    if changes is None:
        return None
    return target_advance(
        target,
        from_states=(TargetState.SENDING,),
        move=Move(
            TargetState.UNCONFIRMED,
            "target.unconfirmed",
            changes=changes
            | {
                "next_attempt_at": timezone.now(),
                "failure_reason": _("The worker sending this post stopped before it finished."),
            },
        ),
    )


def _known_remote_ids(target: PostTarget, since: datetime) -> set[str]:
    """Return the remote ids the account's other targets of the same period hold: a post
    already known as another send is not this one, however alike their texts."""
    return set(
        PostTarget.objects.filter(account=target.account_id, sending_at__gte=since)
        .exclude(pk=target.pk)
        .exclude(remote_id="")
        .values_list("remote_id", flat=True)
    )


def _unanswered(target: PostTarget) -> Unanswered:
    """Reckon from when the target's last attempt left (every sent target has the
    time), and from when its worker was found gone, if it was."""
    return Unanswered(target.sending_at or timezone.now(), target.sender_gone_at)


def _found(target: PostTarget, found: RemotePost) -> PostTarget | None:
    """Store the post found on the account as this target's, and keep whole in the
    archive what went out."""
    answer = PublishedPost(found.remote_id, found.permalink, found.created_at)
    try:
        kept = published_keep([(target, target_outgoing(target), answer)])
    except OSError as error:
        # A file gone from the library since it was sent: the record says so.
        logger.warning("a file of post %s could not be read: %s", target.post_id, error)
        kept = {}
    return target_advance(
        target,
        from_states=UNCONFIRMED,
        move=Move(
            TargetState.PUBLISHED,
            "target.published",
            changes={
                "remote_id": found.remote_id,
                "permalink": found.permalink,
                "published_at": found.created_at,
                "next_attempt_at": None,
                "failure_reason": "",
            }
            | comment_armed(target),
            data={"reconciled": True, "published": kept.get(target.pk, "")},
        ),
    )


def _missing(target: PostTarget) -> PostTarget | None:
    """Send again, or fail after the last attempt: the post is not on the account.

    Why sending again cannot make a second post: the request left at ``sending_at`` and
    only this target's single holder sends it (every move is conditional on the state
    and attempt it came from, so no other worker is sending it now). A post that request
    made is dated after ``sending_at`` and would be among the posts read from
    ``sending_at`` minus the clock margin; the read happens after every call of the
    attempt has timed out plus the settle time (a worker found gone starts no call
    later than ``FRESH_SECONDS`` after, ``publishing.liveness``), so the network has
    finished or dropped the request and shows what it made. A post already matched to
    another target is left out, so two alike sends are never taken for one. And the
    networks guard the resend too: X refuses the same text twice, Mastodon returns the
    status its idempotency key already made.
    """
    if target.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        reason = _(
            "The network never confirmed this post and it is not on the account after "
            "%(count)s tries. Schedule the post again."
        )
        reason = reason % {"count": target.attempts} + translation_out_note(target)
        return target_fail(target, from_states=UNCONFIRMED, reason=reason)
    return target_advance(
        target,
        from_states=UNCONFIRMED,
        move=Move(
            TargetState.RETRY_WAIT,
            "target.retry_wait",
            changes={
                "next_attempt_at": timezone.now(),
                "failure_reason": _("The network did not make the post; it is sent again."),
            },
            data={"not_on_network": True},
        ),
    )


def _look_again(target: PostTarget, reason: str) -> PostTarget | None:
    """Read the account again later; fail once the give-up time has passed (saying the
    author should look, since the post may be there)."""
    unanswered = _unanswered(target)
    if reason and unanswered.given_up():
        unknown = _(
            "govsocial could not find out whether this post was published (%(reason)s). "
            "Look at the account before publishing it again."
        )
        reason = unknown % {"reason": reason} + translation_out_note(target)
        return target_fail(target, from_states=UNCONFIRMED, reason=reason)
    next_look = now_plus(settings.DELIVERY_RECONCILE_INTERVAL_SECONDS)
    if unanswered.settled_at() > timezone.now():
        # The deciding look is due when the network has had its time, not later.
        next_look = min(next_look, unanswered.settled_at())
    return target_advance(
        target,
        from_states=UNCONFIRMED,
        move=Move(
            TargetState.UNCONFIRMED,
            "target.checked",
            changes={
                "next_attempt_at": next_look,
                "failure_reason": reason or target.failure_reason,
            },
            data={"found": False},
        ),
    )
