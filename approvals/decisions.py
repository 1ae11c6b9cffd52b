"""Rounds of sign-off: an author submits a post, the approvers of each step of its chain
decide in turn, and the last approval writes the approved revision's hash onto the post
(DESIGN.md, invariant 6). Each write takes the post's lock first, as every change of a
post does, and records its archive event in the same transaction.

Publishing then schedules only what was approved as it is: an edit after submission
takes the post back to draft (publishing's own rule), nobody can decide on a round
whose post changed since it was submitted, and the post's next submission withdraws it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, ApiKey, Membership, Role, User
from accounts.selectors import roles_of, token_digest
from accounts.services.principals import Principal
from approvals.models import (
    Approval,
    ApprovalChain,
    ApprovalState,
    ApprovalStep,
    Decision,
    ExternalLink,
    StepApprover,
    StepRule,
    Verdict,
)
from approvals.rules import post_findings, require_allowed
from approvals.selectors import chain_for_accounts, content_rules
from archive.services import NamedActor
from govsocial.errors import Conflict, GovsocialError, NotFound, PermissionDenied
from govsocial.mail import send_quietly
from govsocial.timezones import viewer_zone
from notifications.models import Kind
from notifications.services import notify
from publishing.content import post_content_hash
from publishing.models import Post, PostMedia, PostStatus, PostTarget
from publishing.services.posts import revision_current
from publishing.services.scheduling import PAST_TOLERANCE, post_schedule
from publishing.services.transitions import post_status_set

# Who may submit a post for approval: those who write posts.
SUBMITTERS = frozenset({Role.AUTHOR, Role.ADMIN})
COMMENT_LONGEST = 5000


def post_submit(
    *,
    post: Post,
    actor: Principal,
    at: datetime | None = None,
    acknowledge_warnings: bool = False,
) -> Approval:
    """Send the draft ``post`` for approval through the strictest chain of its accounts
    (``approvals.selectors.chain_for_accounts``), to go out at ``at`` once approved
    (the post's ``scheduled_at`` until then; None: a time is chosen once approved);
    return the round, at its first step.

    The post goes on the schedule only at its last approval: a round still under way at
    ``at`` holds it (``Post.overdue``), and one that ends after ``at`` leaves it approved
    for its author to choose a new time or publish it now; nothing stale goes out
    unnoticed.

    The agency's content rules (``approvals.rules``) check the post first: what they
    block refuses it, and their warnings must be acknowledged (``acknowledge_warnings``);
    the round keeps what they found, and whether it was acknowledged.

    Refused: a time past, a post that is not a draft, one whose accounts need no
    approval, one that some step has nobody to approve (its author never approves it),
    and one the content rules refuse (``approvals.rules.ContentRefused``).
    """
    if not roles_of(agency=post.agency, actor=actor) & SUBMITTERS:
        raise PermissionDenied(_("Only authors and agency admins can submit posts."))
    if at is not None and timezone.is_naive(at):
        raise GovsocialError(_("Give the time with its time zone."), field="at")
    if at is not None and at < timezone.now() - PAST_TOLERANCE:
        raise GovsocialError(_("That time has passed. Choose a time to come."), field="at")
    with transaction.atomic():
        post = locked_for_approval(post)
        if post.status != PostStatus.DRAFT:
            raise Conflict(
                _("Only a draft can be submitted; this post is %(status)s.")
                % {"status": post.get_status_display().lower()}
            )
        choice = chain_for_accounts(account_ids=[t.account_id for t in post.targets.all()])
        if choice.chain is None or not choice.needs_approval:
            raise GovsocialError(
                _("The accounts of this post need no approval: schedule it when it is ready.")
            )
        steps = round_steps(choice.chain, agency=post.agency, author_id=post.author_id)
        # Its time, for the rules (blackout periods) and, once saved, for its schedule.
        post.scheduled_at = at
        findings = post_findings(post, content_rules())
        require_allowed(findings, acknowledged=acknowledge_warnings)
        withdraw_stale(post)
        revision = revision_current(post, actor)
        content_hash = revision.content_hash
        approval = Approval.objects.create(
            agency=post.agency,
            post=post,
            chain=choice.chain,
            chain_name=choice.chain.name,
            revision=revision.number,
            content_hash=content_hash,
            steps=steps,
            submitted_by=person_of(actor),
            findings=[finding.as_record() for finding in findings],
            warnings_acknowledged=bool(findings),
        )
        post_status_set(post, PostStatus.IN_REVIEW, scheduled_at=at)
        archive.record(
            agency=post.agency,
            actor=actor,
            verb="post.submitted",
            obj=post,
            data={
                "approval": approval.pk,
                "revision": approval.revision,
                "content_hash": content_hash,
                "chain": choice.chain.name,
                "steps": steps,
                "at": at,
                "findings": approval.findings,
                "warnings_acknowledged": approval.warnings_acknowledged,
            },
        )
        _open_step(approval, post)
    return approval


def approval_decide(
    *, approval: Approval, actor: Principal, verdict: str, comment: str = ""
) -> Approval:
    """Record ``actor``'s decision at the round's current step; return the round.

    Approving completes a step decided by any one of its approvers, or by all of them
    once the last has approved; the last step approves the post: its hash becomes the
    post's approved hash. Rejecting or requesting changes (with a comment saying why)
    ends the round and takes the post back to draft.
    """
    comment = checked_decision(verdict, comment)
    person = person_of(actor)
    with transaction.atomic():
        post = locked_for_approval(Post.objects.get(pk=approval.post_id))
        approval = Approval.objects.select_for_update().get(pk=approval.pk)
        if post.author_id == person.pk:
            raise PermissionDenied(_("Nobody approves their own post."))
        decision_take(approval, person=person, verdict=verdict, comment=comment)
        _require_as_submitted(post, approval)
        if verdict == Verdict.APPROVE:
            # Checked again: the rules may have changed since it was submitted.
            require_blocked_nothing(post)
        _settle(post, approval, actor, person.display_name, verdict, comment)
    return approval


def external_decide(*, token: str, verdict: str, comment: str = "") -> Approval:
    """Record the decision of the person outside govsocial that the link ``token`` was
    sent to, at its round's step, as ``approval_decide`` does a member's; the link is
    then used. Refused: a link unknown, used or expired, and a round that has moved on
    or whose post changed since."""
    comment = checked_decision(verdict, comment)
    found = ExternalLink.objects.filter(token_digest=token_digest(token)).first()
    if found is None:
        raise NotFound(_("This link is not valid."))
    with transaction.atomic():
        post = locked_for_approval(Post.objects.get(pk=found.approval.post_id))
        approval = Approval.objects.select_for_update().get(pk=found.approval_id)
        link = ExternalLink.objects.select_for_update().get(pk=found.pk)
        if link.used_at is not None:
            raise Conflict(_("This link has been used: each link decides once."))
        if link.expires_at <= timezone.now():
            raise Conflict(_("This link has expired: ask the agency for a new one."))
        if approval.state != ApprovalState.PENDING or approval.step != link.step:
            raise Conflict(_("This post no longer waits for this decision."))
        _require_as_submitted(post, approval)
        if verdict == Verdict.APPROVE:
            require_blocked_nothing(post)
        link.verdict, link.comment, link.used_at = verdict, comment, timezone.now()
        link.save(update_fields=["verdict", "comment", "used_at"])
        outside = NamedActor(kind="external", name=f"{link.name} <{link.email}>")
        _settle(post, approval, outside, link.name, verdict, comment, {"link": link.pk})
    return approval


def checked_decision(verdict: str, comment: str) -> str:
    """Return the decision's comment trimmed; refuse an unknown verdict, a comment too
    long, and no comment where one is needed."""
    if verdict not in Verdict.values:
        raise GovsocialError(_("Approve, request changes or reject."), field="verdict")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LONGEST:
        raise GovsocialError(
            _("A comment has at most %(count)s characters.") % {"count": COMMENT_LONGEST},
            field="comment",
        )
    if verdict != Verdict.APPROVE and not comment:
        raise GovsocialError(_("Say what should change, or why."), field="comment")
    return comment


def _require_as_submitted(post: Post, approval: Approval) -> None:
    """Refuse a decision on a post edited since its round was submitted (publishing
    took it back to draft): what was submitted is not what would go out. Its next
    submission withdraws the round."""
    if post.status != PostStatus.IN_REVIEW or post_content_hash(post) != approval.content_hash:
        raise Conflict(
            _("This post changed after it was submitted: its author must submit it again.")
        )


def _settle(
    post: Post,
    approval: Approval,
    actor: Principal | NamedActor,
    decider: str,
    verdict: str,
    comment: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Carry a decision just recorded at the round's step through (``decider`` names
    who made it): rejecting or requesting changes ends the round, the post back to
    draft; approving completes the step when its rule is met, and the last step
    approves the post; record the decision's event."""
    decided = {"step": approval.step, "verdict": verdict, "comment": comment} | (data or {})
    if round_advance(approval, verdict):
        _open_step(approval, post)
    if approval.state in ENDED_UNAPPROVED:
        post_status_set(post, PostStatus.DRAFT)
        _record_decision(post, actor, approval, decided)
        _tell_author(approval, post, decider, comment)
        return
    if approval.state == ApprovalState.APPROVED:
        post_status_set(post, PostStatus.APPROVED, approved_hash=approval.content_hash)
        decided["post_approved"] = True
        outcome = _schedule_approved(post, approval)
        decided |= outcome
        _tell_author(approval, post, decider, comment, outcome)
    decided["next_step"] = approval.step if approval.state == ApprovalState.PENDING else None
    _record_decision(post, actor, approval, decided)


def round_steps(
    chain: ApprovalChain, *, agency: Agency, author_id: int, members_only: bool = False
) -> list[dict[str, Any]]:
    """Return the steps of a round through ``chain`` as the round keeps them: each
    step's rule, who may decide it (never ``author_id``) and, unless ``members_only``,
    the people outside govsocial it names. Refused: a step nobody could decide."""
    steps = [
        {
            "rule": step.rule,
            "approvers": approvers_of(step, agency=agency, author_id=author_id),
            "external": [] if members_only else step.external_approvers,
        }
        for step in chain.steps.all()
    ]
    for position, step in enumerate(steps, start=1):
        if not step["approvers"] and not step["external"]:
            raise GovsocialError(
                _(
                    "Nobody but the author could approve step %(position)s of the chain "
                    "“%(chain)s”: ask an agency admin to name approvers."
                )
                % {"position": position, "chain": chain.name}
            )
    return steps


def decision_take(approval: Approval, *, person: User, verdict: str, comment: str) -> None:
    """Record ``person``'s decision at the current step of ``approval`` (locked).
    Refused: a round over, a person who is not an approver of the step, and one who
    has decided at it already."""
    if approval.state != ApprovalState.PENDING:
        raise Conflict(_("This round of approval is over."))
    if person.pk not in approval.steps[approval.step - 1]["approvers"]:
        raise PermissionDenied(_("You are not an approver of this step."))
    if Decision.objects.filter(approval=approval, step=approval.step, decided_by=person).exists():
        raise Conflict(_("You have already decided at this step."))
    Decision.objects.create(
        agency=approval.agency,
        approval=approval,
        step=approval.step,
        decided_by=person,
        verdict=verdict,
        comment=comment,
    )


def round_advance(approval: Approval, verdict: str) -> bool:
    """Carry the decision just recorded at the round's step through: rejecting or
    requesting changes ends the round; approving completes the step when its rule is
    met, and the last step approves the round. Return whether a next step opened
    (its approvers are then to be asked)."""
    if verdict != Verdict.APPROVE:
        _close(
            approval,
            ApprovalState.REJECTED
            if verdict == Verdict.REJECT
            else ApprovalState.CHANGES_REQUESTED,
        )
        return False
    if not _step_done(approval, approval.steps[approval.step - 1]):
        return False
    if approval.step == len(approval.steps):
        _close(approval, ApprovalState.APPROVED)
        return False
    approval.step += 1
    approval.save(update_fields=["step"])
    return True


def _schedule_approved(post: Post, approval: Approval) -> dict[str, Any]:
    """Put the post just approved on the schedule for the time it was submitted with,
    as its submitter asked, when that time is still to come; return what became of it
    for the decision's archive event. Past its time, or refused by the schedule's rules
    (an account disconnected since, its translation not approved yet…), the post stays
    approved for its author to schedule."""
    at = post.scheduled_at
    if at is None:
        return {}
    if at <= timezone.now():
        return {"late": True}
    try:
        with transaction.atomic():
            post_schedule(post=post, actor=approval.submitted_by, at=at)
    except GovsocialError as refusal:
        return {"not_scheduled": str(refusal.message)}
    return {"scheduled_at": at}


def locked_for_approval(post: Post) -> Post:
    """Return ``post`` locked (the post first, as every change of a post takes it),
    with its targets (and their accounts) and files for its content hash and rules."""
    locked = Post.objects.select_for_update(no_key=True, of=("self",)).select_related("agency")
    post = locked.get(pk=post.pk)
    prefetch_related_objects(
        [post],
        Prefetch("targets", queryset=PostTarget.objects.select_related("account")),
        Prefetch("media", queryset=PostMedia.objects.select_related("asset")),
    )
    return post


def require_blocked_nothing(post: Post) -> None:
    """Refuse ``post`` (locked) when the agency's content rules block it as it is."""
    blocking = [f for f in post_findings(post, content_rules()) if f.blocks]
    require_allowed(blocking, acknowledged=True)


def person_of(actor: Principal) -> User:
    """Return the person acting: approvals are people's, never an API key's alone."""
    if isinstance(actor, ApiKey):
        raise PermissionDenied(_("Approvals are given by people, not by API keys."))
    return actor


def approvers_of(step: ApprovalStep, *, agency: Agency, author_id: int) -> list[int]:
    """Return who may decide ``step`` of a round now: its named members and the
    members of ``agency`` holding its roles, active, and never the author
    ``author_id``."""
    named = StepApprover.objects.filter(step=step).values("user_id")
    eligible = (
        Membership.objects.filter(agency=agency, is_active=True)
        .filter(Q(user_id__in=named) | Q(roles__overlap=step.roles))
        .exclude(user_id=author_id)
        .values_list("user_id", flat=True)
    )
    return sorted(eligible)


def _step_done(approval: Approval, step: dict[str, Any]) -> bool:
    """Say whether the round's current step has the approvals its rule asks for, its
    members' and those of the people outside govsocial it names."""
    approved = set(
        Decision.objects.filter(
            approval=approval, step=approval.step, verdict=Verdict.APPROVE
        ).values_list("decided_by_id", flat=True)
    )
    approved_outside = set(
        ExternalLink.objects.filter(
            approval=approval, step=approval.step, verdict=Verdict.APPROVE
        ).values_list("email", flat=True)
    )
    if step["rule"] == StepRule.ANY:
        return bool(approved or approved_outside)
    outside = {person["email"] for person in step.get("external", [])}
    return set(step["approvers"]) <= approved and outside <= approved_outside


def _open_step(approval: Approval, post: Post) -> None:
    """Start the round's current step: a link for each person outside govsocial it
    names, valid ``EXTERNAL_LINK_DAYS``; once committed, each approver and each of
    them is emailed."""
    step = approval.steps[approval.step - 1]
    expires_at = timezone.now() + timedelta(days=settings.EXTERNAL_LINK_DAYS)
    links = []
    for person in step.get("external", []):
        token = secrets.token_urlsafe(32)
        link = ExternalLink.objects.create(
            agency=post.agency,
            approval=approval,
            step=approval.step,
            name=person["name"],
            email=person["email"],
            token_digest=token_digest(token),
            expires_at=expires_at,
        )
        links.append((link, token))
    _ask_approvers(approval, post)
    transaction.on_commit(partial(_send_links, approval, post, links))


def withdraw_stale(post: Post) -> None:
    """Withdraw a round of ``post`` still pending (its post went back to draft since)."""
    for stale in Approval.objects.select_for_update().filter(
        post=post, state=ApprovalState.PENDING
    ):
        _close(stale, ApprovalState.WITHDRAWN)


# How a round ends that did not approve: its post (or reply) goes back to its author.
ENDED_UNAPPROVED = frozenset({ApprovalState.REJECTED, ApprovalState.CHANGES_REQUESTED})


def _close(approval: Approval, state: str) -> None:
    approval.state = state
    approval.closed_at = timezone.now()
    approval.save(update_fields=["state", "closed_at"])


def _record_decision(
    post: Post, actor: Principal | NamedActor, approval: Approval, data: dict[str, Any]
) -> None:
    archive.record(
        agency=post.agency,
        actor=actor,
        verb="approval.decided",
        obj=post,
        data={
            "approval": approval.pk,
            "revision": approval.revision,
            "content_hash": approval.content_hash,
            "state": approval.state,
        }
        | data,
    )


def post_link(post: Post) -> str:
    return settings.SITE_URL + reverse(
        "post_detail", kwargs={"agency_slug": post.agency.slug, "post_id": post.pk}
    )


def _ask_approvers(approval: Approval, post: Post) -> None:
    """Tell each approver of the round's current step that the post waits for them."""
    step = approval.steps[approval.step - 1]
    link = post_link(post)
    for approver in User.objects.filter(pk__in=step["approvers"]).order_by("pk"):
        context = {"approver": approver, "approval": approval, "post": post, "link": link}
        notify(
            user=approver,
            kind=Kind.APPROVAL_REQUESTED,
            subject=_("A post waits for your approval"),
            body=render_to_string("emails/approval_requested.txt", context),
            link=link,
        )


def _send_links(approval: Approval, post: Post, links: list[tuple[ExternalLink, str]]) -> None:
    """Email each person outside govsocial their link to decide at the round's step."""
    for link, token in links:
        address = settings.SITE_URL + reverse(
            "external_decision", kwargs={"agency_slug": post.agency.slug, "token": token}
        )
        context = {"link": link, "approval": approval, "post": post, "address": address}
        send_quietly(
            _("%(agency)s asks for your approval of a post") % {"agency": post.agency.name},
            render_to_string("emails/approval_link.txt", context),
            link.email,
        )


def _tell_author(
    approval: Approval,
    post: Post,
    decided_by: str,
    comment: str,
    outcome: dict[str, Any] | None = None,
) -> None:
    """Tell the post's author how the round ended, and who (by name) ended it
    (approved: what became of its time, ``_schedule_approved``'s ``outcome``)."""
    zone = viewer_zone(user_zone=post.author.time_zone, agency_zone=post.agency.time_zone)
    link = post_link(post)
    context = {
        "approval": approval,
        "post": post,
        "decided_by": decided_by,
        "comment": comment,
        "outcome": outcome or {},
        "zone": zone.key,
        "link": link,
    }
    if approval.state == ApprovalState.APPROVED:
        subject = _("Your post was approved")
    elif approval.state == ApprovalState.REJECTED:
        subject = _("Your post was rejected")
    else:
        subject = _("Changes are asked for your post")
    notify(
        user=post.author,
        kind=Kind.APPROVAL_DECIDED,
        subject=subject,
        body=render_to_string("emails/approval_decided.txt", context),
        link=link,
    )
