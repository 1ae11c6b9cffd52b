"""The approval part of a post's page, drawn by approvals: publishing's page shows it
with ``{% load approvals_tags %}{% post_approval post %}`` and imports nothing of
approvals (DESIGN.md: approvals stands on publishing, never the other way)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from accounts.selectors import roles_of
from approvals import selectors
from approvals.comments import may_comment
from approvals.decisions import SUBMITTERS
from approvals.emergency import BEFORE_THE_SCHEDULE, may_publish_in_emergency
from approvals.forms import TYPED
from approvals.models import (
    Approval,
    ApprovalChain,
    ApprovalState,
    ReviewState,
    StepRule,
    Verdict,
)
from approvals.rules import post_findings
from publishing.models import Post, PostStatus, SocialAccount

register = template.Library()


@dataclass(frozen=True)
class AccountChain:
    """The chain one account of the post follows (None: no approval needed), and
    whether that chain names it (else it is the agency's default)."""

    account: SocialAccount
    chain: ApprovalChain | None
    named: bool


@register.inclusion_tag("approvals/post_approval.html", takes_context=True)
def post_approval(context: template.Context, post: Post) -> dict[str, Any]:
    """Return what the post's approval section shows: the chain its accounts follow and
    why, the round under way (its step, who may decide now), every round with its
    decisions, the reviews of its publication in an emergency, and what the viewer may
    do (submit the draft, decide at this step, publish it in an emergency, review
    it)."""
    request = context["request"]
    viewer = request.user
    targets = list(post.targets.all())
    choice = selectors.chain_for_accounts(account_ids=[t.account_id for t in targets])
    accounts = [
        AccountChain(
            account=t.account,
            chain=choice.by_account[t.account_id],
            named=_names(choice.by_account[t.account_id], t.account_id),
        )
        for t in targets
    ]
    rounds = list(selectors.approval_list(post_id=post.pk))
    reviews = list(selectors.emergency_review_list(post_id=post.pk))
    current: Approval | None = next((r for r in rounds if r.state == ApprovalState.PENDING), None)
    deciders = selectors.step_approvers(current) if current is not None else []
    can_decide = (
        current is not None
        and post.status == PostStatus.IN_REVIEW
        and viewer.pk in current.steps[current.step - 1]["approvers"]
        and not any(
            d.step == current.step and d.decided_by_id == viewer.pk for d in current.decisions.all()
        )
    )
    can_submit = (
        post.status == PostStatus.DRAFT
        and choice.needs_approval
        and bool(roles_of(agency=post.agency, actor=viewer) & SUBMITTERS)
    )
    return {
        "request": request,
        "current_agency": context.get("current_agency"),
        "post": post,
        "zone": context.get("viewer_zone", ""),
        "choice": choice,
        "accounts": accounts,
        "rounds": rounds,
        "current": current,
        # A round under way whose post was edited since: nobody can decide on it.
        "stale": current is not None and post.status != PostStatus.IN_REVIEW,
        "deciders": deciders,
        "deciders_outside": current.steps[current.step - 1].get("external", [])
        if current is not None
        else [],
        "needs_all": current is not None
        and current.steps[current.step - 1]["rule"] == StepRule.ALL,
        "can_decide": can_decide,
        "can_submit": can_submit,
        "verdicts": Verdict.choices,
        # What the content rules find in the post as it is now.
        "findings": post_findings(post, selectors.content_rules())
        if post.status in BEFORE_THE_SCHEDULE
        else [],
        "can_emergency": post.status in BEFORE_THE_SCHEDULE
        and choice.needs_approval
        and may_publish_in_emergency(agency=post.agency, actor=viewer),
        "reviews": reviews,
        "reviewing": next(
            (r for r in reviews if r.state == ReviewState.OPEN and viewer.pk in r.reviewers), None
        ),
        "review_outcomes": [
            (ReviewState.ACKNOWLEDGED, ReviewState.ACKNOWLEDGED.label),
            (ReviewState.FLAGGED, ReviewState.FLAGGED.label),
        ],
        "thread": selectors.post_thread(post_id=post.pk),
        "can_comment": may_comment(post=post, actor=viewer),
        # What a refused form said, to show again (``approvals.forms.TYPED``).
        "typed": request.session.pop(TYPED, {}),
        "csrf_token": context.get("csrf_token"),
    }


def _names(chain: ApprovalChain | None, account_id: int) -> bool:
    """Say whether ``chain`` (fetched with its accounts) names the account."""
    return chain is not None and any(link.account_id == account_id for link in chain.accounts.all())


@register.inclusion_tag("approvals/guidelines.html")
def agency_guidelines() -> dict[str, Any]:
    """Return the bound agency's guidelines, for the composer to show beside it."""
    return {"guidelines": selectors.content_rules().guidelines}
