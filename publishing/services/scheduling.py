"""Every write that puts posts on the schedule (for a time to come, or now) or takes
them off it.

Scheduling hands targets to the delivery engine: a target in ``scheduled`` with
``next_attempt_at`` at the post's time, and the post's ``approved_hash`` naming the
content that may go out (``publishing.content.post_content_hash``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.services.principals import Principal
from govsocial.errors import Conflict, GovsocialError
from publishing.content import (
    PostProblem,
    composer_checks,
    member_media_url,
    post_content_hash,
)
from publishing.models import Post, PostMedia, PostStatus, PostTarget, TargetState
from publishing.selectors import PauseCover, pause_cover
from publishing.services.posts import (
    ON_SCHEDULE,
    lock_pair,
    require_changeable,
    require_composer,
    require_may_publish,
    revision_current,
    schedule_leave,
)
from publishing.services.transitions import post_status_set, targets_schedule

# A time this little in the past still counts as now: the form took a moment to send.
PAST_TOLERANCE = timedelta(minutes=1)

# Sent before a post goes on the schedule, with the locked ``post`` (its files fetched),
# its ``targets`` (with their accounts), the time ``at``, the ``actor`` and whether they
# ``acknowledge_warnings``: each receiver answers with the problems (``PostProblem``)
# that keep it off the schedule, in the scheduling's transaction. The apps standing on
# publishing check here what publishing knows nothing of (approvals: its content rules),
# without publishing importing them.
schedule_checks = Signal()
# Sent when scheduling approves a post (its accounts need no approval), in the
# scheduling's transaction, with the locked ``post``, the ``revision`` approved, the
# ``actor`` and the time ``at``: the approvals app records the approval, with the content
# rules' warnings the actor acknowledged.
schedule_approves = Signal()


class PostProblems(GovsocialError):
    """A post that cannot be scheduled as it is; ``problems`` holds every reason."""

    def __init__(self, problems: Sequence[PostProblem]) -> None:
        super().__init__(
            _("This post cannot be scheduled yet: %(problems)s")
            % {"problems": " ".join(f"{p.account}: {p.message}" for p in problems)},
        )
        self.post_problems = list(problems)

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Return the problems as the API gives them."""
        return [asdict(problem) for problem in self.post_problems]


class TranslationNotReady(GovsocialError):
    """A post whose translation cannot go on the schedule with it; ``problems`` holds
    the translation's (the two are scheduled together or not at all)."""

    def __init__(self, translation: Post, refusal: GovsocialError) -> None:
        reasons = (
            " ".join(f"{p.account}: {p.message}" for p in refusal.post_problems)
            if isinstance(refusal, PostProblems)
            else refusal.message
        )
        super().__init__(
            _(
                "%(version)s cannot be scheduled, so neither version was: %(reasons)s Open "
                "it to fix that, then schedule again."
            )
            % {"version": translation.version_name, "reasons": reasons}
        )
        self.status_code = refusal.status_code
        self.translation_id = translation.pk
        self.problems = getattr(refusal, "problems", [])


def post_schedule(
    *, post: Post, actor: Principal, at: datetime, acknowledge_warnings: bool = False
) -> Post:
    """Put the post, and its translation with it, on the schedule for ``at`` (an aware
    time; moving a scheduled post to another time works the same way).

    Refused: a time past by more than a minute, a post with no account, and every
    problem the networks would refuse it for (all of them at once); for a post with a
    translation, also a version without text, and anything that stops the translation
    (``TranslationNotReady``): both go on the schedule, or neither. A post for an
    account that needs approval (``SocialAccount.approval_required``, kept by the
    approvals app) must have been approved as it is; one whose accounts need none is
    approved by its scheduling: ``approved_hash`` becomes its hash, and that is
    recorded. What the apps standing on publishing check (``schedule_checks``) may
    refuse it too: the approvals app's content rules block, and warn until
    ``acknowledge_warnings`` when the scheduling approves the post. A target whose
    account a crisis pause covers is held instead, until the pause ends.
    """
    if timezone.is_naive(at):
        raise GovsocialError(_("Give the time with its time zone."), field="at")
    if at < timezone.now() - PAST_TOLERANCE:
        raise GovsocialError(_("That time has passed. Choose a time to come."), field="at")
    require_composer(agency=post.agency, actor=actor)
    with transaction.atomic():
        own, partner = lock_pair(post)
        paired = partner is not None
        warned = acknowledge_warnings
        _require_schedulable(*own, actor, at=at, paired=paired, acknowledge_warnings=warned)
        if partner is not None:
            try:
                _require_schedulable(
                    *partner, actor, at=at, paired=paired, acknowledge_warnings=warned
                )
            except GovsocialError as refusal:
                raise TranslationNotReady(partner[0], refusal) from refusal
        # A crisis pause holds what is scheduled during it as it held what was already.
        cover = pause_cover(agency=post.agency)
        post = _schedule_at(*own, actor, at, cover)
        if partner is not None:
            _schedule_at(*partner, actor, at, cover)
    return post


def _require_schedulable(
    post: Post,
    targets: list[PostTarget],
    actor: Principal,
    *,
    at: datetime,
    paired: bool,
    acknowledge_warnings: bool,
) -> None:
    """Refuse unless the locked post may go on the schedule for ``at`` as it is: the
    networks' rules, and what the apps standing on publishing check
    (``schedule_checks``)."""
    require_changeable(post, targets)
    if post.status == PostStatus.IN_REVIEW:
        raise Conflict(_("This post is waiting for approval."))
    if not targets:
        raise GovsocialError(_("Choose at least one account to publish to."), field="accounts")
    for target in targets:
        require_may_publish(target.account, actor)
    prefetch_related_objects(
        [post], Prefetch("media", queryset=PostMedia.objects.select_related("asset"))
    )
    needs_approval = any(target.account.approval_required for target in targets)
    if needs_approval and post.approved_hash != post_content_hash(post):
        raise Conflict(
            _("This post must be approved before it goes on the schedule: submit it for approval.")
        )
    text_of = {t.account_id: t.text if t.has_own_text else post.text for t in targets}
    checks = composer_checks(
        accounts=[target.account for target in targets],
        text_of=text_of,
        link=post.link,
        media=[(m.asset, m.alt_text) for m in post.media.all()],
        media_url=member_media_url(post.agency.slug),
        comment_of={t.account_id: t.first_comment for t in targets},
    )
    problems = [problem for check in checks for problem in check.problems]
    if paired:
        # A link or a picture alone may satisfy the network, not the official languages.
        problems += [
            PostProblem(
                check.account.pk,
                str(check.account),
                check.account.network,
                "translation_text",
                _("Write the text: this post goes out together with its translation."),
                "text",
            )
            for check in checks
            if not text_of[check.account.pk].strip()
            and all(problem.code != "empty" for problem in check.problems)
        ]
    for _receiver, found in schedule_checks.send(
        sender=Post,
        post=post,
        targets=targets,
        at=at,
        actor=actor,
        acknowledge_warnings=acknowledge_warnings,
    ):
        problems += cast(list[PostProblem], found)
    if problems:
        raise PostProblems(problems)


def _schedule_at(
    post: Post, targets: list[PostTarget], actor: Principal, at: datetime, cover: PauseCover
) -> Post:
    """Approve the locked post as it is (when its accounts need no approval; otherwise
    it was approved already) and put its targets on the schedule for ``at``, held where
    ``cover`` pauses their account."""
    agency = post.agency
    revision = revision_current(post, actor)
    content_hash = revision.content_hash
    approval: dict[str, str] = {}
    if post.approved_hash != content_hash:
        # Its accounts need no approval: the author's scheduling is the approval.
        approval["approved_hash"] = content_hash
        schedule_approves.send(sender=Post, post=post, revision=revision, actor=actor, at=at)
    previous = post.scheduled_at
    status = targets_schedule(post, targets, at=at, held=cover.covers)
    post_status_set(post, status, scheduled_at=at, **approval)
    archive.record(
        agency=agency,
        actor=actor,
        verb="post.scheduled",
        obj=post,
        data={
            "at": at,
            "previously": previous,
            "revision": revision.number,
            "content_hash": content_hash,
            "targets": {str(t.account_id): t.content_hash for t in targets},
            "held": [t.account_id for t in targets if t.state == TargetState.HELD],
            "translation": post.translation_id,
        },
    )
    return post


def post_publish_now(*, post: Post, actor: Principal, acknowledge_warnings: bool = False) -> Post:
    """Put the post on the schedule for this moment, through ``post_schedule`` and its
    rules, so that the dispatcher hands it to the workers at once; a crisis pause holds
    it as it holds any scheduled post."""
    with transaction.atomic():
        at = timezone.now()
        post = post_schedule(
            post=post, actor=actor, at=at, acknowledge_warnings=acknowledge_warnings
        )
        archive.record(
            agency=post.agency,
            actor=actor,
            verb="post.publish_now_requested",
            obj=post,
            data={"at": at},
        )
    return post


def post_unschedule(*, post: Post, actor: Principal) -> Post:
    """Take the post off the schedule, back to draft: every target that has not started
    out yet, and its translation's with it. One already on its way goes on."""
    require_composer(agency=post.agency, actor=actor)
    with transaction.atomic():
        (post, targets), partner = lock_pair(post)
        if not any(target.state in ON_SCHEDULE for target in targets):
            raise Conflict(_("This post is not on the schedule."))
        for target in [*targets, *(partner[1] if partner is not None else [])]:
            if target.state in ON_SCHEDULE:
                require_may_publish(target.account, actor)
        schedule_leave(post, targets, actor)
        if partner is not None:
            schedule_leave(*partner, actor, translation=post.pk)
    return post
