"""Send a due target to its network, at most once."""

from __future__ import annotations

import logging
import secrets
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from govsocial.tenancy import agency_scope
from publishing.content import (
    own_content_changed,
    post_content_hash,
    shared_media_url,
    target_content_hash,
    target_outgoing,
    target_text,
)
from publishing.liveness import liveness, still_holds
from publishing.models import (
    AccountHealth,
    Post,
    PostMedia,
    PostTarget,
    SocialAccount,
    TargetState,
)
from publishing.networks.base import (
    MediaItem,
    NetworkError,
    OutcomeUnknownError,
    OutgoingPost,
    PermanentNetworkError,
    PublishedPost,
    TransientNetworkError,
    writes_start_by,
)
from publishing.networks.counts import text_as_sent
from publishing.networks.registry import adapter_for
from publishing.selectors import PauseCover, pause_cover
from publishing.services.accounts import account_health_check
from publishing.services.delivery.comment import comment_armed
from publishing.services.delivery.kept import published_keep
from publishing.services.delivery.outbox import Outbox
from publishing.services.delivery.translations import translation_out_note, translation_refusal
from publishing.services.transitions import (
    Move,
    Unanswered,
    failed,
    fresh_account,
    now_plus,
    sender_stamp,
    target_advance,
    target_fail,
    targets_move,
)

logger = logging.getLogger(__name__)

# The states from which a due target may be sent.
READY = (TargetState.SCHEDULED, TargetState.RETRY_WAIT, TargetState.QUEUED)
SENDING = (TargetState.SENDING,)


def targets_publish(*, target_ids: Sequence[int], wait: bool = True) -> list[PostTarget]:
    """Publish the due targets among ``target_ids`` (the bound agency's) now, sending
    them to their networks at the same time; return them as they ended up, leaving out
    those not due or that another worker had already.

    First, in one transaction, each target is checked (the exact content approved, the
    account connected, authorised, not paused and not throttled) and moved to
    "sending", committed before any network is called: a crash after a call leaves a
    target that reconciliation looks for on the network instead of sending it again.
    Then each outcome is stored the moment the sends are done. Without ``wait`` (the
    workers), the sends are handed to this process's outbox, which records each answer
    as it comes, and only the targets that ended without a send are returned: a send
    that hangs holds nothing but its own thread.
    """
    outbox = _outbox()
    ended: list[PostTarget | None] = []
    sends = []
    try:
        claimed = targets_move(target_ids=target_ids, from_states=READY, due=True, move=_claim)
        for target in claimed:
            if target.state != TargetState.SENDING:
                ended.append(target)
                continue
            prepared = _prepare(target)
            if isinstance(prepared, _Send):
                sends.append(prepared)
            else:
                ended.append(prepared)
    finally:
        if not wait:
            # What was claimed goes out even when a later step failed.
            outbox.hand_over(sends)
    if wait:
        ended.extend(_record(list(zip(sends, outbox.answers(sends), strict=True))))
    return [target for target in ended if target is not None]


def sends_ready() -> None:
    """Start this process's outbox and its proof of life, and load every network's
    client library beside them (a worker starting): the worker takes tasks meanwhile,
    and a first send to a network waits at most for what is left of its library's
    loading."""
    _outbox()
    liveness.start()
    threading.Thread(target=_adapters_load, name="adapters", daemon=True).start()


def _adapters_load() -> None:
    for network in settings.NETWORKS:
        adapter_for(network)


def sends_room_wait(count: int) -> None:
    """Wait until this process has room to start ``count`` sends at once (a worker
    about to take its next task)."""
    _outbox().room_wait(count)


def sends_finish(timeout: float) -> bool:
    """Wait for this process's sends in flight to be recorded (a worker stopping);
    return whether they all were within ``timeout`` seconds."""
    return _outbox.cache_info().currsize == 0 or _outbox().finish(timeout)


@dataclass(frozen=True)
class _Send:
    """A target claimed for sending, its account and what goes to it."""

    target: PostTarget
    account: SocialAccount
    outgoing: OutgoingPost
    # The call that publishes does not start after then (``Unanswered.write_deadline``),
    # nor once this worker no longer holds the proof of life stamped on the target.
    write_deadline: datetime
    sender: int | None


def _prepare(target: PostTarget) -> _Send | PostTarget | None:
    """Make ready what goes to the target's network: a token that works and the files
    read; or end the target's attempt when that cannot be done."""
    try:
        account = fresh_account(target.account)
        outgoing = target_outgoing(target, media_url=shared_media_url(target.post.agency.slug))
    except PermanentNetworkError as error:
        return _refused(target, error)
    except NetworkError as error:
        # Renewing a token publishes nothing, so any failure there is a plain retry.
        return _retry(target, TransientNetworkError(error.reason))
    except OSError as error:
        logger.warning("a file of post %s could not be read: %s", target.post_id, error)
        return _fail(
            target,
            _(
                "A file attached to this post is missing from the media library. Attach it "
                "again, then schedule the post again."
            ),
        )
    claimed_at = target.sending_at or timezone.now()
    return _Send(target, account, outgoing, Unanswered(claimed_at).write_deadline(), target.sender)


def _send(one: _Send) -> PublishedPost | Exception:
    """Send one post to its network; return the network's answer, or the error it
    ended with (each error is settled by its kind when the answer is recorded)."""
    try:
        with writes_start_by(one.write_deadline, alive=still_holds(one.sender)):
            return adapter_for(one.account.network).publish(one.account.credentials(), one.outgoing)
    except Exception as error:
        return error


def _record(answered: Sequence[tuple[_Send, PublishedPost | Exception]]) -> list[PostTarget | None]:
    """Store what the networks answered, each agency's with that agency bound: the
    posts published, all agencies' in one transaction, agency by agency in the order of
    their ids (so two workers' recorders lock posts in one order), each in a savepoint
    of its own, so that one that cannot be recorded leaves the others recorded and
    stays "sending", for reconciliation; then each error by its kind."""
    published: dict[int, list[tuple[_Send, PublishedPost]]] = defaultdict(list)
    failed: list[tuple[_Send, Exception]] = []
    for send, answer in answered:
        if isinstance(answer, PublishedPost):
            published[send.target.agency_id].append((send, answer))
        else:
            failed.append((send, answer))
    ended: list[PostTarget | None] = []
    with transaction.atomic():
        for agency_id, sent in sorted(published.items()):
            try:
                with agency_scope(agency_id), transaction.atomic():
                    ended.extend(_published(sent))
            except Exception:
                logger.exception(
                    "could not record targets %s as published; they are reconciled",
                    [send.target.pk for send, _ in sent],
                )
    for send, error in failed:
        with agency_scope(send.target.agency_id):
            ended.append(_settle(send.target, error))
    return ended


@cache
def _outbox() -> Outbox[_Send, PublishedPost | Exception]:
    """Return this process's outbox: at most ``DELIVERY_SENDS_AT_ONCE`` calls at a time,
    while its tasks claim and check the next. Made on first use, so in a worker after
    it forks."""
    return Outbox(capacity=settings.DELIVERY_SENDS_AT_ONCE, call=_send, record=_record)


def _settle(target: PostTarget, error: Exception) -> PostTarget | None:
    """Store what an error that ended a send means for the target."""
    if isinstance(error, TransientNetworkError):
        return _retry(target, error)
    if isinstance(error, PermanentNetworkError):
        return _refused(target, error)
    if isinstance(error, OutcomeUnknownError):
        return _unconfirmed(target, error.reason)
    # The request may have left before whatever this is went wrong: never resend
    # blindly, go and look.
    logger.error("publishing target %s ended unexpectedly", target.pk, exc_info=error)
    return _unconfirmed(target, _("The network's answer could not be read."))


def _claim(targets: Sequence[PostTarget]) -> dict[int, Move]:
    """Decide, with the posts and the targets locked, whether each due target may be
    sent (invariant 6 of DESIGN.md): the move to "sending"; or to "failed", "held" or
    back to waiting when a check says so."""
    posts = list({target.post_id: target.post for target in targets}.values())
    # Read once: the hash, the text as sent and the send itself go by these rows, and
    # the check of each translation by its own.
    files = PostMedia.objects.select_related("asset")
    prefetch_related_objects(
        posts,
        Prefetch("media", files),
        "targets",
        Prefetch("translation__media", files),
        "translation__targets",
    )
    for post in posts:
        if post.translation is not None and post.translation.translation_id == post.pk:
            # Each version's hash covers the other: the pair is read once, both ways.
            post.translation.translation = post
    cover = pause_cover(agency=posts[0].agency) if posts else None
    return {target.pk: _claim_one(target, cover) for target in targets}


def _claim_one(target: PostTarget, cover: PauseCover | None) -> Move:
    """Decide the move of one claimed target (see ``_claim``)."""
    post = target.post
    account: SocialAccount = target.account
    refusal = (
        _content_refusal(post, account)
        or _account_refusal(account)
        or translation_refusal(post, account)
    )
    if refusal:
        return failed(refusal + translation_out_note(target))
    if cover is not None and cover.covers(account.pk):
        # A pause that began after this target was last held or scheduled (it was
        # being sent then): it waits with the others and goes back when it ends.
        return Move(TargetState.HELD, "target.held", changes={"failure_reason": ""})
    throttled = account.rate_limited_until
    if throttled is not None and throttled > timezone.now():
        return Move(
            TargetState.RETRY_WAIT,
            "target.deferred",
            changes={"next_attempt_at": throttled, "failure_reason": account.health_reason},
        )
    return Move(
        TargetState.SENDING,
        "target.sending",
        changes={
            "attempts": target.attempts + 1,
            "sending_at": timezone.now(),
            "content_hash": target_content_hash(target),
            "sent_text": text_as_sent(account.network, _described(target)),
        }
        | sender_stamp(),
        data={"approved_hash": post.approved_hash},
    )


def _described(target: PostTarget) -> OutgoingPost:
    """Return the target's post with its files described but not read: enough to know
    the text its network is given (some join the link to the text when files go too)."""
    files = sorted(target.post.media.all(), key=lambda attached: attached.position)
    return OutgoingPost(
        text=target_text(target),
        media=tuple(MediaItem(b"", f.asset.mime_type, f.alt_text) for f in files),
        link=target.post.link,
    )


def _content_refusal(post: Post, account: SocialAccount) -> str:
    """Return why the post may not go out as it is now, or "". Its approval covers its
    translation as it was: when only that changed since, the translation's check says
    how."""
    if not post.approved_hash:
        return _("This post was not published because it has not been approved.")
    if post.approved_hash == post_content_hash(post):
        return ""
    changed = _(
        "This post was changed after it was approved, so it was not published. Send it "
        "for approval again, then schedule it."
    )
    if own_content_changed(post):
        return changed
    return translation_refusal(post, account) or changed


def _account_refusal(account: SocialAccount) -> str:
    """Return why nothing may be published to ``account`` now, or ""."""
    if account.disconnected_at is not None:
        return _(
            "%(account)s was disconnected from govsocial, so the post was not published "
            "there. Ask an agency admin to reconnect it, then schedule the post again."
        ) % {"account": account}
    if account.health == AccountHealth.NEEDS_REAUTHORISATION:
        return _(
            "%(account)s needs to be reconnected, so the post was not published there. Ask "
            "an agency admin to reconnect it, then schedule the post again."
        ) % {"account": account}
    return ""


def _published(sent: Sequence[tuple[_Send, PublishedPost]]) -> list[PostTarget]:
    """Store the remote ids and permalinks the networks just gave, and keep whole in
    the archive what went out with them (the event points to it)."""
    now = timezone.now()
    sent = [
        (send, replace(published, published_at=published.published_at or now))
        for send, published in sent
    ]
    kept = published_keep([(send.target, send.outgoing, answer) for send, answer in sent])
    moves = {
        send.target.pk: Move(
            TargetState.PUBLISHED,
            "target.published",
            changes={
                "remote_id": published.remote_id,
                "permalink": published.permalink,
                "published_at": published.published_at,
                "next_attempt_at": None,
                "failure_reason": "",
            }
            | comment_armed(send.target),
            data={"published": kept[send.target.pk]},
        )
        for send, published in sent
    }
    return targets_move(
        target_ids=list(moves),
        # A worker taken for lost may still come back with the answer: it is the truth.
        from_states=(TargetState.SENDING, TargetState.UNCONFIRMED),
        attempts={send.target.pk: send.target.attempts for send, _ in sent},
        move=lambda targets: moves,
    )


def _retry(target: PostTarget, error: TransientNetworkError) -> PostTarget | None:
    """Wait until the time the network said (or back off) and try again, unless this
    was the last attempt."""
    if target.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        return _fail(
            target,
            _(
                "%(network)s kept failing after %(count)s tries (last: %(reason)s). Schedule "
                "the post again once the network works."
            )
            % {
                "network": target.account.get_network_display(),
                "count": target.attempts,
                "reason": error.reason,
            },
        )
    return target_advance(
        target,
        from_states=SENDING,
        move=Move(
            TargetState.RETRY_WAIT,
            "target.retry_wait",
            changes={
                "next_attempt_at": now_plus(retry_delay(error, target.attempts)),
                "failure_reason": error.reason,
            },
            data={"rate_limited": error.rate_limited, "retry_after": error.retry_after},
        ),
    )


def retry_delay(error: TransientNetworkError, attempt: int) -> float:
    """Return how many seconds to wait before attempt ``attempt + 1``: what the network
    said, else a back-off doubling from the base, capped, with jitter so that posts
    refused together do not all come back together."""
    if error.retry_after is not None:
        return max(0.0, error.retry_after)
    backoff = settings.DELIVERY_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    jitter = secrets.SystemRandom().uniform(0.8, 1.2)
    return float(min(backoff * jitter, settings.DELIVERY_RETRY_MAX_SECONDS))


def _refused(target: PostTarget, error: PermanentNetworkError) -> PostTarget | None:
    """Fail with the network's reason; a refused token makes the accounts service check
    the account (renewing the token once), and a token that renews is simply retried."""
    if error.needs_reauthorisation:
        account = account_health_check(account=target.account)
        if account.health == AccountHealth.OK:
            return _retry(target, TransientNetworkError(error.reason, retry_after=0))
    return _fail(
        target,
        _("%(network)s refused the post: %(reason)s")
        % {"network": target.account.get_network_display(), "reason": error.reason},
    )


def _fail(target: PostTarget, reason: str) -> PostTarget | None:
    """Give up on a target being sent, saying why (and where its translation is out
    already, if it is)."""
    return target_fail(target, from_states=SENDING, reason=reason + translation_out_note(target))


def _unconfirmed(target: PostTarget, reason: str) -> PostTarget | None:
    """Go and look on the network soon: the post may or may not be there."""
    return target_advance(
        target,
        from_states=SENDING,
        move=Move(
            TargetState.UNCONFIRMED,
            "target.unconfirmed",
            changes={
                "next_attempt_at": now_plus(settings.DELIVERY_RECONCILE_INTERVAL_SECONDS),
                "failure_reason": reason,
            },
        ),
    )
