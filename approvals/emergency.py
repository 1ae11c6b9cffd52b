"""Emergency publishing: a member the agency allows publishes a post at once, with a
reason, skipping its approval chain; the post then owes a review to the chain's
approvers, which any one of them closes (acknowledged, or flagged with a note).

The emergency approves the post as it is (its hash becomes the post's approved hash,
DESIGN.md invariant 6) and publishes it now through publishing's own rules: a crisis
pause holds it as it holds any post. Every step records its archive event in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, ApiKey, Membership, Role, User
from accounts.selectors import roles_of
from accounts.services.principals import Principal, require_admin
from approvals.decisions import (
    approvers_of,
    locked_for_approval,
    person_of,
    post_link,
    require_blocked_nothing,
    withdraw_stale,
)
from approvals.models import EmergencyPublisher, EmergencyReview, ReviewState
from approvals.selectors import chain_for_accounts
from govsocial.errors import Conflict, GovsocialError, PermissionDenied
from notifications.models import Kind
from notifications.services import notify
from publishing.models import Post, PostStatus
from publishing.services.posts import revision_current
from publishing.services.scheduling import post_publish_now
from publishing.services.transitions import post_status_set

REASON_LONGEST = 2000
NOTE_LONGEST = 5000
# The statuses a post may be published from in an emergency: not yet on its way.
BEFORE_THE_SCHEDULE = frozenset({PostStatus.DRAFT, PostStatus.IN_REVIEW, PostStatus.APPROVED})


def may_publish_in_emergency(*, agency: Agency, actor: Principal) -> bool:
    """Say whether ``actor`` may publish in an emergency: an admin of the agency, or a
    member its admins chose (never an API key: an emergency is a person's call)."""
    if isinstance(actor, ApiKey):
        return False
    roles = roles_of(agency=agency, actor=actor)
    if Role.ADMIN in roles:
        return True
    chosen = EmergencyPublisher.objects.filter(agency=agency, user=actor)
    return bool(roles) and chosen.exists()


def emergency_publishers_set(
    *, agency: Agency, actor: Principal, members: Sequence[Membership]
) -> None:
    """Replace the members (besides admins, who always may) who may publish in an
    emergency; record the change."""
    require_admin(
        agency=agency,
        actor=actor,
        refusal=_("Only an agency admin can choose who publishes in an emergency."),
    )
    wanted = {member.user_id for member in members if member.agency_id == agency.pk}
    with transaction.atomic():
        current = set(
            EmergencyPublisher.objects.filter(agency=agency).values_list("user_id", flat=True)
        )
        EmergencyPublisher.objects.filter(agency=agency, user_id__in=current - wanted).delete()
        EmergencyPublisher.objects.bulk_create(
            EmergencyPublisher(agency=agency, user_id=user_id) for user_id in wanted - current
        )
        archive.record(
            agency=agency,
            actor=actor,
            verb="emergency.publishers_set",
            obj=agency,
            data={"users": sorted(wanted)},
        )


def post_publish_emergency(*, post: Post, actor: Principal, reason: str) -> EmergencyReview:
    """Publish ``post`` now, as it is, without its chain's approval, for ``reason``;
    return the review it opens, which its chain's approvers are emailed about.

    Refused: a person the agency does not allow, an API key, no reason, a post already
    on its way, one whose accounts need no approval (it is published now as usual),
    one that nobody but its publisher could review, one the agency's content rules
    block, and whatever publishing now refuses (the networks' rules, an account the
    person may not publish to).
    """
    person = person_of(actor)
    if not may_publish_in_emergency(agency=post.agency, actor=person):
        raise PermissionDenied(
            _("You may not publish in an emergency: an agency admin chooses who may.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise GovsocialError(_("Say why this post cannot wait for approval."), field="reason")
    if len(reason) > REASON_LONGEST:
        raise GovsocialError(
            _("A reason has at most %(count)s characters.") % {"count": REASON_LONGEST},
            field="reason",
        )
    with transaction.atomic():
        post = locked_for_approval(post)
        if post.status not in BEFORE_THE_SCHEDULE:
            raise Conflict(
                _("This post is already %(status)s: it cannot be published in an emergency.")
                % {"status": post.get_status_display().lower()}
            )
        choice = chain_for_accounts(account_ids=[t.account_id for t in post.targets.all()])
        if choice.chain is None or not choice.needs_approval:
            raise GovsocialError(
                _("The accounts of this post need no approval: publish it now as usual.")
            )
        reviewers = sorted(
            {
                user_id
                for step in choice.chain.steps.all()
                for user_id in approvers_of(step, agency=post.agency, author_id=post.author_id)
            }
            - {person.pk}
        )
        if not reviewers:
            raise GovsocialError(
                _(
                    "Nobody but you could review this post afterwards: ask an agency admin "
                    "to name approvers in the chain “%(chain)s”."
                )
                % {"chain": choice.chain.name}
            )
        require_blocked_nothing(post)
        withdraw_stale(post)
        revision = revision_current(post, actor)
        content_hash = revision.content_hash
        review = EmergencyReview.objects.create(
            agency=post.agency,
            post=post,
            revision=revision.number,
            content_hash=content_hash,
            reason=reason,
            chain_name=choice.chain.name,
            reviewers=reviewers,
            published_by=person,
        )
        post_status_set(post, PostStatus.APPROVED, approved_hash=content_hash)
        archive.record(
            agency=post.agency,
            actor=actor,
            verb="post.emergency_published",
            obj=post,
            data={
                "review": review.pk,
                "reason": reason,
                "revision": review.revision,
                "content_hash": content_hash,
                "chain": choice.chain.name,
                "reviewers": reviewers,
            },
        )
        post_publish_now(post=post, actor=actor)
        _ask_reviewers(review, post)
    return review


def emergency_review_close(
    *, review: EmergencyReview, actor: Principal, outcome: str, note: str = ""
) -> EmergencyReview:
    """Close the review of an emergency post: ``acknowledged``, or ``flagged`` with a
    note saying what was wrong; any one of its reviewers closes it, once."""
    if outcome not in (ReviewState.ACKNOWLEDGED, ReviewState.FLAGGED):
        raise GovsocialError(_("Acknowledge the post, or flag it."), field="outcome")
    note = (note or "").strip()
    if len(note) > NOTE_LONGEST:
        raise GovsocialError(
            _("A note has at most %(count)s characters.") % {"count": NOTE_LONGEST},
            field="note",
        )
    if outcome == ReviewState.FLAGGED and not note:
        raise GovsocialError(_("Say what was wrong with it."), field="note")
    person = person_of(actor)
    with transaction.atomic():
        review = EmergencyReview.objects.select_for_update().get(pk=review.pk)
        if review.state != ReviewState.OPEN:
            raise Conflict(_("This emergency post has been reviewed already."))
        if person.pk not in review.reviewers:
            raise PermissionDenied(_("You are not one of the reviewers of this emergency post."))
        review.state = outcome
        review.note = note
        review.closed_by = person
        review.closed_at = timezone.now()
        review.save(update_fields=["state", "note", "closed_by", "closed_at"])
        archive.record(
            agency=review.agency,
            actor=actor,
            verb="emergency.reviewed",
            obj=review.post,
            data={"review": review.pk, "outcome": outcome, "note": note},
        )
    return review


def _ask_reviewers(review: EmergencyReview, post: Post) -> None:
    """Tell each reviewer that an emergency post went out and waits for their review."""
    link = post_link(post)
    for reviewer in User.objects.filter(pk__in=review.reviewers).order_by("pk"):
        context = {"reviewer": reviewer, "review": review, "post": post, "link": link}
        notify(
            user=reviewer,
            kind=Kind.EMERGENCY_REVIEW,
            subject=_("A post went out in an emergency: review it"),
            body=render_to_string("emails/emergency_review_requested.txt", context),
            link=link,
        )
