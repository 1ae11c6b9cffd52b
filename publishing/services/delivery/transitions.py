"""The one way a target's delivery state changes: under the post's lock, only from the
state the caller saw, recorded in the archive, with the post's status rolled up and the
author told of a failure."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from archive.services import SYSTEM, Actor
from publishing.models import Post, PostStatus, PostTarget, TargetState

logger = logging.getLogger(__name__)

TERMINAL = frozenset({TargetState.PUBLISHED, TargetState.FAILED, TargetState.DELETED})
# A post whose targets are all still in one of these has not started going out.
NOT_STARTED = frozenset({TargetState.DRAFT, TargetState.SCHEDULED, TargetState.HELD})


def target_move(
    *,
    target_id: int,
    from_states: Collection[str],
    to: str,
    verb: str,
    attempt: int | None = None,
    due: bool = False,
    changes: Mapping[str, object] | None = None,
    data: dict[str, Any] | None = None,
    actor: Actor = SYSTEM,
) -> PostTarget | None:
    """Move a target from one of ``from_states`` to ``to``, setting ``changes``, and
    return it; return None when it is no longer there (another worker moved it first).

    ``attempt`` also requires the target to be at that attempt, so a worker that lost
    its target (checked on as stuck, then sent again) cannot overwrite a later attempt;
    ``due`` requires its next attempt to be due by the database's clock. The post is
    locked first, as every change to a post does, so targets of one post change one at
    a time and the roll-up sees them all.
    """
    with transaction.atomic():
        post_id = PostTarget.objects.filter(pk=target_id).values_list("post_id", flat=True).first()
        if post_id is None:
            return None
        post = Post.objects.select_for_update(of=("self",)).select_related("agency").get(pk=post_id)
        wanted = Q(pk=target_id, state__in=list(from_states))
        if attempt is not None:
            wanted &= Q(attempts=attempt)
        if due:
            wanted &= Q(next_attempt_at__lte=Now())
        target: PostTarget | None = (
            PostTarget.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(wanted)
            .first()
        )
        if target is None:
            return None
        target.post = post
        before = target.state
        target.state = to
        for field, value in (changes or {}).items():
            setattr(target, field, value)
        target.save()
        _roll_up(post, actor)
        archive.record(
            agency=post.agency,
            actor=actor,
            verb=verb,
            obj=target,
            data={
                "post": post.pk,
                "account": target.account_id,
                "network": target.account.network,
                "from": before,
                "to": to,
                "attempt": target.attempts,
                "remote_id": target.remote_id,
                "content_hash": target.content_hash,
                "next_attempt_at": _iso(target.next_attempt_at),
                "reason": target.failure_reason,
            }
            | (data or {}),
        )
        if to == TargetState.FAILED:
            transaction.on_commit(lambda: _tell_author(target))
    return target


def target_advance(
    target: PostTarget,
    *,
    from_states: Collection[str],
    to: str,
    verb: str,
    changes: Mapping[str, object],
    data: dict[str, Any] | None = None,
) -> PostTarget | None:
    """Move ``target`` on from one of ``from_states``, only while it is still at the
    attempt it was read at (see ``target_move``)."""
    return target_move(
        target_id=target.pk,
        from_states=from_states,
        attempt=target.attempts,
        to=to,
        verb=verb,
        changes=changes,
        data=data,
    )


def target_fail(
    target: PostTarget, *, from_states: Collection[str], reason: str
) -> PostTarget | None:
    """Give up on ``target``, saying why; its author is emailed the reason."""
    return target_advance(
        target,
        from_states=from_states,
        to=TargetState.FAILED,
        verb="target.failed",
        changes={"failure_reason": reason, "next_attempt_at": None},
    )


def _roll_up(post: Post, actor: Actor) -> None:
    """Set the post's status from its targets': published or failed once every target is
    done (failed if any failed), publishing while any is on its way."""
    states = set(PostTarget.objects.filter(post=post).values_list("state", flat=True))
    if states and states <= TERMINAL:
        status = PostStatus.FAILED if TargetState.FAILED in states else PostStatus.PUBLISHED
    elif states - NOT_STARTED:
        status = PostStatus.PUBLISHING
    else:
        return
    if post.status == status:
        return
    before, post.status = post.status, status
    post.save(update_fields=["status", "updated_at"])
    archive.record(
        agency=post.agency,
        actor=actor,
        verb=f"post.{status}",
        obj=post,
        data={"from": before, "to": status, "approved_hash": post.approved_hash},
    )


def _tell_author(target: PostTarget) -> None:
    """Email the post's author why it did not go out to the target's account."""
    post = target.post
    author = post.author
    link = settings.SITE_URL + reverse("agency_home", kwargs={"agency_slug": post.agency.slug})
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


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
