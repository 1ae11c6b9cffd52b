"""Send a due target to its network, at most once."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from publishing.content import (
    post_content_hash,
    shared_media_url,
    target_content_hash,
    target_outgoing,
    target_text,
)
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
)
from publishing.networks.counts import text_as_sent
from publishing.networks.registry import adapter_for
from publishing.selectors import pause_cover
from publishing.services.accounts import account_health_check
from publishing.services.delivery.transitions import (
    Move,
    failed,
    fresh_account,
    now_plus,
    stuck_after,
    target_advance,
    target_fail,
    target_move,
)

logger = logging.getLogger(__name__)

# The states from which a due target may be sent.
READY = (TargetState.SCHEDULED, TargetState.RETRY_WAIT, TargetState.QUEUED)
SENDING = (TargetState.SENDING,)


def target_publish(*, target_id: int) -> PostTarget | None:
    """Publish one due target of the bound agency now; return it as it ended up, or
    None when it was not due or another worker had it already.

    First, in one transaction, the target is checked (the exact content approved, the
    account connected, authorised and not throttled) and moved to "sending", committed
    before the network is called: a crash after the call leaves a target that
    reconciliation looks for on the network instead of sending it again. Then the
    outcome is stored the moment it is known.
    """
    claim = _Claim()
    target = target_move(target_id=target_id, from_states=READY, due=True, move=claim.decide)
    if target is None or target.state != TargetState.SENDING or claim.post is None:
        return target
    attempt = target.attempts
    try:
        account = fresh_account(target.account)
        outgoing = target_outgoing(target, media_url=shared_media_url(claim.post.agency.slug))
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
    try:
        published = adapter_for(account.network).publish(account.credentials(), outgoing)
    except TransientNetworkError as error:
        return _retry(target, error)
    except PermanentNetworkError as error:
        return _refused(target, error)
    except OutcomeUnknownError as error:
        return _unconfirmed(target, error.reason)
    except Exception:
        # The request may have left before whatever this is went wrong: never resend
        # blindly, go and look.
        logger.exception("publishing target %s ended unexpectedly", target_id)
        return _unconfirmed(target, _("The network's answer could not be read."))
    return _published(target, attempt, published)


class _Claim:
    """Decide, with the post and the target locked, whether a due target may be sent:
    the checks the claim makes (invariant 6 of DESIGN.md), and the post as read then."""

    def __init__(self) -> None:
        self.post: Post | None = None

    def decide(self, post: Post, target: PostTarget) -> Move:
        """Return the move to "sending"; or to "failed", "held" or back to waiting when
        a check says so."""
        # Read once: the hash, the text as sent and the send itself go by these rows.
        prefetch_related_objects(
            [post], Prefetch("media", PostMedia.objects.select_related("asset")), "targets"
        )
        account: SocialAccount = target.account
        refusal = _content_refusal(post) or _account_refusal(account)
        if refusal:
            return failed(refusal)
        if pause_cover(agency=post.agency).covers(account.pk):
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
        self.post = post
        target.post = post
        return Move(
            TargetState.SENDING,
            "target.sending",
            changes={
                "attempts": target.attempts + 1,
                "sending_at": timezone.now(),
                "content_hash": target_content_hash(target),
                "sent_text": text_as_sent(account.network, _described(target)),
                # When the dispatcher checks on it, should its worker never come back.
                "next_attempt_at": now_plus(stuck_after()),
            },
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


def _content_refusal(post: Post) -> str:
    """Return why the post may not go out as it is now, or ""."""
    if not post.approved_hash:
        return _("This post was not published because it has not been approved.")
    if post.approved_hash != post_content_hash(post):
        return _(
            "This post was changed after it was approved, so it was not published. Send it "
            "for approval again, then schedule it."
        )
    return ""


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


def _published(target: PostTarget, attempt: int, published: PublishedPost) -> PostTarget | None:
    """Store the remote id and permalink the network just gave."""
    return target_move(
        target_id=target.pk,
        post_id=target.post_id,
        # A worker taken for lost may still come back with the answer: it is the truth.
        from_states=(TargetState.SENDING, TargetState.UNCONFIRMED),
        attempt=attempt,
        move=Move(
            TargetState.PUBLISHED,
            "target.published",
            changes={
                "remote_id": published.remote_id,
                "permalink": published.permalink,
                "published_at": published.published_at or timezone.now(),
                "next_attempt_at": None,
                "failure_reason": "",
            },
        ),
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
    """Give up on a target being sent, saying why."""
    return target_fail(target, from_states=SENDING, reason=reason)


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
