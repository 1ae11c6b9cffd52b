"""Post a published target's first comment under it, at most once.

The comment is a delivery of its own on the published target (``comment_state``): it
waits, due at ``next_attempt_at``, from the move that stores the post as published; it
is "sending" (committed) before the network is called, stamped with its worker's proof
of life as the post was; an answer that never came makes it "unconfirmed", settled by
reading the post's comments, never by posting blindly. Its failure leaves the post
published: the author reads why on the post and by email.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import notify
from publishing.liveness import still_holds
from publishing.models import AccountHealth, CommentState, PostTarget, SocialAccount, TargetState
from publishing.networks.base import (
    NetworkError,
    OutcomeUnknownError,
    PermanentNetworkError,
    PublishedPost,
    RemotePost,
    TransientNetworkError,
    writes_start_by,
)
from publishing.networks.registry import adapter_for
from publishing.networks.timeline import find_sent
from publishing.selectors import pause_cover
from publishing.services.accounts import account_health_check
from publishing.services.transitions import (
    Move,
    Unanswered,
    fresh_account,
    lost_by_worker,
    now_plus,
    sender_stamp,
    target_move,
    targets_move,
)

logger = logging.getLogger(__name__)

WAITING = (CommentState.WAITING,)
SENDING = (CommentState.SENDING,)
UNCONFIRMED = (CommentState.UNCONFIRMED,)


def comment_armed(target: PostTarget) -> dict[str, object]:
    """Return the changes that set the target's first comment waiting, due now, to go
    with the move that stores its post as published (none when it has no comment)."""
    if not target.first_comment.strip():
        return {}
    return {"comment_state": CommentState.WAITING, "next_attempt_at": timezone.now()}


def target_comment(*, target_id: int) -> PostTarget | None:
    """Post the first comment of a published target of the bound agency, or settle one
    whose answer never came; return the target as it ended up, or None when there was
    nothing to do (not due, or another worker had it)."""
    target = PostTarget.objects.select_related("account").filter(pk=target_id).first()
    if target is None or target.state != TargetState.PUBLISHED:
        return None
    if target.comment_state == CommentState.WAITING:
        return _send(target)
    if target.comment_state == CommentState.SENDING:
        target = _stuck_to_unconfirmed(target)
    if target is None or target.comment_state != CommentState.UNCONFIRMED:
        return None
    if target.next_attempt_at is not None and target.next_attempt_at > timezone.now():
        return None
    return _look(target)


def _move(
    target: PostTarget,
    *,
    from_states: Collection[str],
    to: str,
    verb: str,
    changes: Mapping[str, object],
    due: bool = False,
    data: Mapping[str, object] | None = None,
) -> PostTarget | None:
    """Move the first comment from one of ``from_states`` to ``to``, only while it is
    at the attempt it was read at; the post stays published."""
    return target_move(
        target_id=target.pk,
        from_states=(TargetState.PUBLISHED,),
        where=_at_attempt(target, from_states),
        due=due,
        move=_comment_move(target, to=to, verb=verb, changes=changes, data=data),
    )


def _at_attempt(target: PostTarget, states: Collection[str]) -> Q:
    """Select the target while its comment is in one of ``states`` at the attempt it
    was read at."""
    return Q(comment_state__in=list(states), comment_attempts=target.comment_attempts)


def _comment_move(
    target: PostTarget,
    *,
    to: str,
    verb: str,
    changes: Mapping[str, object],
    data: Mapping[str, object] | None = None,
) -> Move:
    """Return the move of the first comment to ``to`` (the target stays published), with
    what its archive event records of the comment."""
    return Move(
        TargetState.PUBLISHED,
        verb,
        changes={"comment_state": to, **changes},
        data={
            "first_comment": {
                "from": target.comment_state,
                "to": to,
                "attempt": changes.get("comment_attempts", target.comment_attempts),
                "remote_id": changes.get("comment_remote_id", target.comment_remote_id),
                "reason": changes.get("comment_failure_reason", ""),
            }
        }
        | dict(data or {}),
    )


def _send(target: PostTarget) -> PostTarget | None:
    """Claim the due comment ("sending", committed), then post it under the post; or,
    while the account may not post (a crisis pause, throttled, disconnected), keep it
    waiting or give it up, as the post's own claim would."""
    moved = targets_move(
        target_ids=[target.pk],
        from_states=(TargetState.PUBLISHED,),
        where=_at_attempt(target, WAITING),
        due=True,
        move=_claim,
    )
    claimed = moved[0] if moved else None
    if claimed is None or claimed.comment_state != CommentState.SENDING:
        if claimed is not None and claimed.comment_state == CommentState.FAILED:
            _tell_author(claimed)
        return claimed
    try:
        account = fresh_account(claimed.account)
    except PermanentNetworkError as error:
        return _refused(claimed, error)
    except NetworkError as error:
        # Renewing a token posts nothing: a plain retry.
        return _retry(claimed, TransientNetworkError(error.reason))
    try:
        deadline = _unanswered(claimed).write_deadline()
        with writes_start_by(deadline, alive=still_holds(claimed.sender)):
            posted = adapter_for(account.network).comment(
                account.credentials(), on=claimed.remote_id, text=claimed.first_comment
            )
    except TransientNetworkError as error:
        return _retry(claimed, error)
    except PermanentNetworkError as error:
        return _refused(claimed, error)
    except OutcomeUnknownError as error:
        return _unconfirmed(claimed, error.reason)
    except Exception:
        # The request may have left before whatever this is went wrong: go and look.
        logger.exception("posting the first comment of target %s ended unexpectedly", claimed.pk)
        return _unconfirmed(claimed, _("The network's answer could not be read."))
    return _posted(claimed, posted, from_states=SENDING)


def _claim(targets: Sequence[PostTarget]) -> dict[int, Move]:
    """Decide, with the target locked, whether its due comment may be posted now (the
    checks of invariant 6 that still apply once the post is out): the move to
    "sending"; or back to waiting while a crisis pause covers the account or it is
    throttled; or "failed" when the account was disconnected or must be reconnected."""
    (target,) = targets
    account: SocialAccount = target.account
    now = timezone.now()
    if account.disconnected_at is not None or account.health == AccountHealth.NEEDS_REAUTHORISATION:
        reason = _(
            "%(account)s must be reconnected, so the first comment was not posted. Post it "
            "by hand, or ask an agency admin to reconnect the account."
        ) % {"account": account}
        return {target.pk: _gave_up(target, reason)}
    later = None
    if pause_cover(agency=target.post.agency).covers(account.pk):
        # No attempt spent: it looks again as a retry would, and goes once the pause ends.
        later = now_plus(settings.DELIVERY_RETRY_BASE_SECONDS)
    elif account.rate_limited_until is not None and account.rate_limited_until > now:
        later = account.rate_limited_until
    if later is not None:
        return {
            target.pk: _comment_move(
                target,
                to=CommentState.WAITING,
                verb="first_comment.deferred",
                changes={"next_attempt_at": later},
            )
        }
    return {
        target.pk: _comment_move(
            target,
            to=CommentState.SENDING,
            verb="first_comment.sending",
            changes={"comment_attempts": target.comment_attempts + 1, "comment_sending_at": now}
            | sender_stamp(),
        )
    }


def _posted(
    target: PostTarget,
    posted: PublishedPost | RemotePost,
    *,
    from_states: Collection[str],
    data: Mapping[str, object] | None = None,
) -> PostTarget | None:
    """Store the comment's remote id and permalink; a worker taken for lost may still
    come back with the answer, so an unconfirmed comment takes it too."""
    return _move(
        target,
        from_states=(*from_states, CommentState.UNCONFIRMED),
        to=CommentState.POSTED,
        verb="first_comment.posted",
        changes={
            "comment_remote_id": posted.remote_id,
            "comment_permalink": posted.permalink,
            "comment_failure_reason": "",
            "next_attempt_at": None,
        },
        data=data,
    )


def _retry(target: PostTarget, error: TransientNetworkError) -> PostTarget | None:
    """Wait until the time the network said (or back off) and post again, unless this
    was the last attempt."""
    # Here, not at the top: publishing imports this module for ``comment_armed``.
    from publishing.services.delivery.publish import retry_delay

    if target.comment_attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        reason = _("%(network)s kept failing after %(count)s tries (last: %(reason)s).") % {
            "network": target.account.get_network_display(),
            "count": target.comment_attempts,
            "reason": error.reason,
        }
        return _fail(target, SENDING, reason)
    return _move(
        target,
        from_states=SENDING,
        to=CommentState.WAITING,
        verb="first_comment.retry_wait",
        changes={
            "next_attempt_at": now_plus(retry_delay(error, target.comment_attempts)),
            "comment_failure_reason": error.reason,
        },
        data={"rate_limited": error.rate_limited, "retry_after": error.retry_after},
    )


def _refused(target: PostTarget, error: PermanentNetworkError) -> PostTarget | None:
    """Give up with the network's reason; a refused token makes the accounts service
    check the account, and a token that renews is simply retried."""
    if error.needs_reauthorisation:
        account = account_health_check(account=target.account)
        if account.health == AccountHealth.OK:
            return _retry(target, TransientNetworkError(error.reason, retry_after=0))
    reason = _("%(network)s refused the first comment: %(reason)s") % {
        "network": target.account.get_network_display(),
        "reason": error.reason,
    }
    return _fail(target, SENDING, reason)


def _unconfirmed(target: PostTarget, reason: str) -> PostTarget | None:
    """Go and look under the post soon: the comment may or may not be there."""
    return _move(
        target,
        from_states=SENDING,
        to=CommentState.UNCONFIRMED,
        verb="first_comment.unconfirmed",
        changes={
            "next_attempt_at": now_plus(settings.DELIVERY_RECONCILE_INTERVAL_SECONDS),
            "comment_failure_reason": reason,
        },
    )


def _stuck_to_unconfirmed(target: PostTarget) -> PostTarget | None:
    """Take a comment "sending" for longer than any answer could take, or whose worker
    is gone, as lost by its worker; leave one still within that time, whose worker
    lives, alone (it is checked on again)."""
    changes = lost_by_worker(_unanswered(target), target.sender)
    if changes is None:
        return None
    return _move(
        target,
        from_states=SENDING,
        to=CommentState.UNCONFIRMED,
        verb="first_comment.unconfirmed",
        changes=changes
        | {
            "next_attempt_at": timezone.now(),
            "comment_failure_reason": _(
                "The worker posting this comment stopped before it finished."
            ),
        },
    )


def _look(target: PostTarget) -> PostTarget | None:
    """Read the account's comments under the post: the comment found there is posted;
    one still missing once the network has had its time is posted again (the request
    that left has finished or been dropped by then, as for posts in ``reconcile``)."""
    unanswered = _unanswered(target)
    since = unanswered.since()
    try:
        account = fresh_account(target.account)
        comments = adapter_for(account.network).fetch_comments(
            account.credentials(), on=target.remote_id
        )
    except NetworkError as error:
        return _look_again(target, error.reason)
    found = find_sent(target.first_comment, [c for c in comments if c.created_at >= since])
    if found is not None:
        return _posted(target, found, from_states=UNCONFIRMED, data={"reconciled": True})
    if timezone.now() < unanswered.settled_at():
        return _look_again(target, "")
    if target.comment_attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        reason = _(
            "The network never confirmed the first comment and it is not under the post "
            "after %(count)s tries."
        ) % {"count": target.comment_attempts}
        return _fail(target, UNCONFIRMED, reason)
    return _move(
        target,
        from_states=UNCONFIRMED,
        to=CommentState.WAITING,
        verb="first_comment.retry_wait",
        changes={
            "next_attempt_at": timezone.now(),
            "comment_failure_reason": _(
                "The network did not post the comment; it is posted again."
            ),
        },
        data={"not_on_network": True},
    )


def _unanswered(target: PostTarget) -> Unanswered:
    """Reckon from when the comment's last attempt left, and from when its worker was
    found gone, if it was."""
    return Unanswered(target.comment_sending_at or timezone.now(), target.sender_gone_at)


def _look_again(target: PostTarget, reason: str) -> PostTarget | None:
    """Read the comments again later; give up once the give-up time has passed, saying
    the author should look, since the comment may be there."""
    if reason and _unanswered(target).given_up():
        unknown = _(
            "govsocial could not find out whether the first comment was posted "
            "(%(reason)s). Look under the post before commenting by hand."
        )
        return _fail(target, UNCONFIRMED, unknown % {"reason": reason})
    return _move(
        target,
        from_states=UNCONFIRMED,
        to=CommentState.UNCONFIRMED,
        verb="first_comment.checked",
        changes={
            "next_attempt_at": now_plus(settings.DELIVERY_RECONCILE_INTERVAL_SECONDS),
            "comment_failure_reason": reason or target.comment_failure_reason,
        },
        data={"found": False},
    )


def _fail(target: PostTarget, from_states: Collection[str], reason: str) -> PostTarget | None:
    """Give up on the comment, saying why; the post stays published and its author is
    emailed the reason."""
    failed = target_move(
        target_id=target.pk,
        from_states=(TargetState.PUBLISHED,),
        where=_at_attempt(target, from_states),
        move=_gave_up(target, reason),
    )
    if failed is not None:
        _tell_author(failed)
    return failed


def _gave_up(target: PostTarget, reason: str) -> Move:
    """Return the move that gives up on the comment, saying why."""
    return _comment_move(
        target,
        to=CommentState.FAILED,
        verb="first_comment.failed",
        changes={"comment_failure_reason": reason, "next_attempt_at": None},
    )


def _tell_author(target: PostTarget) -> None:
    """Tell the post's author that its first comment was not posted, and why."""
    post = target.post
    link = settings.SITE_URL + reverse(
        "post_detail", kwargs={"agency_slug": post.agency.slug, "post_id": post.pk}
    )
    context = {"author": post.author, "post": post, "target": target, "link": link}
    notify(
        user=post.author,
        kind=Kind.DELIVERY_FAILED,
        subject=_("The first comment of your post was not posted on %(account)s")
        % {"account": target.account},
        body=render_to_string("emails/first_comment_failed.txt", context),
        link=link,
    )
