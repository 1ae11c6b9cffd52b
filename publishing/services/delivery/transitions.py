"""The one way a target's delivery state changes: under the post's lock, only from the
state the caller saw, recorded in the archive, with the post's status rolled up and the
author told of a failure."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Subquery
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from archive.services import SYSTEM, Actor
from publishing.models import Post, PostTarget, SocialAccount, TargetState
from publishing.services.accounts import REFRESH_AHEAD, account_refresh

logger = logging.getLogger(__name__)

TERMINAL = frozenset({TargetState.PUBLISHED, TargetState.FAILED, TargetState.DELETED})
# A post whose targets are all still in one of these has not started going out.
NOT_STARTED = frozenset({TargetState.DRAFT, TargetState.SCHEDULED, TargetState.HELD})


@dataclass(frozen=True)
class Move:
    """Say where a target goes: its new state, the verb of its archive event, the other
    fields that change with it, and what the event records besides."""

    to: str
    verb: str
    changes: Mapping[str, object] = field(default_factory=dict)
    data: Mapping[str, object] = field(default_factory=dict)


# Decides the move once the post and the target are locked (the claim's checks).
Decide = Callable[[Post, PostTarget], Move]


def target_move(
    *,
    target_id: int,
    from_states: Collection[str],
    move: Move | Decide,
    attempt: int | None = None,
    due: bool = False,
    post_id: int | None = None,
    actor: Actor = SYSTEM,
    where: Q | None = None,
) -> PostTarget | None:
    """Make ``move`` (or what ``move`` decides) of a target that is in one of
    ``from_states``, and return the target; return None when it is no longer there
    (another worker moved it first).

    ``attempt`` also requires the target to be at that attempt, so a worker that lost
    its target (checked on as stuck, then sent again) cannot overwrite a later attempt;
    ``due`` requires its next attempt to be due by the database's clock; ``where`` adds
    conditions of the caller's own (the first comment's state). The post is
    locked first, as every change to a post does, so targets of one post change one at
    a time and the roll-up sees them all. One archive event records the target's move
    and the change of the post's status it brings.
    """
    with transaction.atomic():
        posts = Post.objects.select_for_update(of=("self",)).select_related("agency")
        if post_id is None:
            of_target = PostTarget.objects.filter(pk=target_id).values("post_id")[:1]
            posts = posts.filter(pk=Subquery(of_target))
        else:
            posts = posts.filter(pk=post_id)
        post: Post | None = _one(posts)
        if post is None:
            return None
        wanted = Q(pk=target_id, post=post, state__in=list(from_states))
        if attempt is not None:
            wanted &= Q(attempts=attempt)
        if due:
            wanted &= Q(next_attempt_at__lte=Now())
        if where is not None:
            wanted &= where
        targets = PostTarget.objects.select_for_update(of=("self",)).filter(wanted)
        if not isinstance(move, Move):
            # The claim's checks look at the account; other moves need only its id.
            targets = targets.select_related("account")
        target: PostTarget | None = _one(targets)
        if target is None:
            return None
        target.post = post
        step = move if isinstance(move, Move) else move(post, target)
        before, target.state = target.state, step.to
        for name, value in step.changes.items():
            setattr(target, name, value)
        target.save(update_fields=["state", *step.changes])
        archive.record(
            agency=post.agency,
            actor=actor,
            verb=step.verb,
            obj=target,
            data={
                "post": post.pk,
                "account": target.account_id,
                "from": before,
                "to": step.to,
                "attempt": target.attempts,
                "remote_id": target.remote_id,
                "content_hash": target.content_hash,
                "next_attempt_at": _iso(target.next_attempt_at),
                "reason": target.failure_reason,
            }
            | _roll_up(post)
            | dict(step.data),
        )
        if step.to == TargetState.FAILED:
            transaction.on_commit(lambda: _tell_author(target))
    return target


def target_advance(
    target: PostTarget, *, from_states: Collection[str], move: Move
) -> PostTarget | None:
    """Make ``move`` of ``target`` from one of ``from_states``, only while it is still at
    the attempt it was read at (see ``target_move``)."""
    return target_move(
        target_id=target.pk,
        post_id=target.post_id,
        from_states=from_states,
        attempt=target.attempts,
        move=move,
    )


def target_fail(
    target: PostTarget, *, from_states: Collection[str], reason: str
) -> PostTarget | None:
    """Give up on ``target``, saying why; its author is emailed the reason."""
    return target_advance(target, from_states=from_states, move=failed(reason))


def failed(reason: str) -> Move:
    """Return the move that gives up on a target, saying why."""
    return Move(
        TargetState.FAILED,
        "target.failed",
        changes={"failure_reason": reason, "next_attempt_at": None},
    )


def fresh_account(account: SocialAccount) -> SocialAccount:
    """Return ``account`` with a token that works for a while yet: renewed (under the
    accounts service's lock) only when it is about to expire."""
    expires = account.token_expires_at
    if expires is None or expires - REFRESH_AHEAD > timezone.now():
        return account
    return account_refresh(account=account)


# The post's status from its targets' states, in one statement (it runs on every move):
# published or failed once every target is done (failed if any failed), publishing while
# any is past scheduled; unchanged (no row) otherwise.
ROLL_UP = """
UPDATE publishing_post SET status = rolled.status, updated_at = %(now)s
FROM (
    SELECT CASE
        WHEN bool_and(state = ANY(%(terminal)s)) THEN
            CASE WHEN bool_or(state = 'failed') THEN 'failed' ELSE 'published' END
        WHEN bool_or(state <> ALL(%(not_started)s)) THEN 'publishing'
    END AS status
    FROM publishing_posttarget WHERE post_id = %(post)s
) AS rolled
WHERE publishing_post.id = %(post)s AND rolled.status IS NOT NULL
  AND publishing_post.status <> rolled.status
RETURNING rolled.status
"""


def _roll_up(post: Post) -> dict[str, str]:
    """Set the post's status from its targets' and return what the archive event records
    of a change: nothing when the status stays."""
    with connection.cursor() as cursor:
        cursor.execute(
            ROLL_UP,
            {
                "now": timezone.now(),
                "terminal": sorted(TERMINAL),
                "not_started": sorted(NOT_STARTED),
                "post": post.pk,
            },
        )
        changed = cursor.fetchone()
    if changed is None:
        return {}
    before, post.status = post.status, changed[0]
    return {"post_status_from": before, "post_status": post.status}


def _tell_author(target: PostTarget) -> None:
    """Email the post's author why it did not go out to the target's account."""
    post = target.post
    author = post.author
    link = settings.SITE_URL + reverse(
        "post_detail", kwargs={"agency_slug": post.agency.slug, "post_id": post.pk}
    )
    context = {
        "author": author,
        "post": post,
        "account": target.account,
        "reason": target.failure_reason,
        "link": link,
    }
    try:
        send_mail(
            subject=_("Your post was not published to %(account)s") % {"account": target.account},
            message=render_to_string("emails/post_target_failed.txt", context),
            from_email=None,
            recipient_list=[author.email],
        )
    except OSError:
        # The failure is recorded and shown on the post; a mail server being down must
        # not turn a finished delivery into an error.
        logger.exception("could not email the author of post %s", post.pk)


def stuck_after() -> float:
    """Return how long a target may stay "sending" before its worker is taken as lost:
    the network timeout (per call; a post with files makes several) plus a margin."""
    timeouts = [float(n.get("timeout_seconds", 10)) for n in settings.NETWORKS.values()]
    return max(timeouts, default=10.0) + settings.DELIVERY_SENDING_MARGIN_SECONDS


def now_plus(seconds: float) -> datetime:
    """Return the moment ``seconds`` from now."""
    return timezone.now() + timedelta(seconds=seconds)


def _one(rows: QuerySet[Any]) -> Any:
    """Return the one row ``rows`` selects, or None (unlike ``first()``, without the
    ordering a lookup by primary key does not need)."""
    found = list(rows.order_by()[:1])
    return found[0] if found else None


def _iso(moment: datetime | None) -> str | None:
    """Return ``moment`` as the archive stores times (ISO 8601), or None."""
    return moment.isoformat() if moment else None
