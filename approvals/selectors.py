"""Reads of approvals: the agency's chains, which chain a post's accounts follow, the
rounds of sign-off (a post's, and those waiting for one approver), the conversation
about a post, emergency reviews and content rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Exists, OuterRef, Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import token_digest
from approvals.models import (
    Approval,
    ApprovalChain,
    ApprovalState,
    ApprovalStep,
    BlackoutPeriod,
    ChainAccount,
    ContentRules,
    Decision,
    EmergencyPublisher,
    EmergencyReview,
    ExternalLink,
    PostComment,
    ReviewState,
    StepRule,
)
from publishing.models import PostStatus, PostTarget


def chain_list() -> QuerySet[ApprovalChain]:
    """Return the bound agency's chains by name, each with its steps in order (their
    named approvers with them) and the accounts it names."""
    return ApprovalChain.objects.prefetch_related(
        Prefetch(
            "steps",
            queryset=ApprovalStep.objects.order_by("position").prefetch_related("approvers__user"),
        ),
        Prefetch("accounts", queryset=ChainAccount.objects.select_related("account")),
    )


def chain_get(*, chain_id: int) -> ApprovalChain | None:
    """Return one chain of the bound agency with its steps and accounts, or None."""
    return chain_list().filter(pk=chain_id).first()


def strictness(chain: ApprovalChain) -> tuple[int, int]:
    """Return how strict ``chain`` is, to compare chains: its steps, then those of
    them that need every approver (its steps must have been fetched)."""
    steps = list(chain.steps.all())
    return len(steps), sum(1 for step in steps if step.rule == StepRule.ALL)


@dataclass(frozen=True)
class ChainChoice:
    """The chain a post for some accounts follows, and why: the chain each account
    follows (by account id: the chain naming it, else the agency's default, else
    None) and the strictest of them (None: no approval is needed)."""

    by_account: dict[int, ApprovalChain | None]
    chain: ApprovalChain | None

    @property
    def needs_approval(self) -> bool:
        """Say whether the post must be approved before it may go out."""
        return self.chain is not None and strictness(self.chain)[0] > 0


def chain_for_accounts(*, account_ids: Iterable[int]) -> ChainChoice:
    """Return the chain that a post for ``account_ids`` (the bound agency's) follows:
    the strictest of its accounts' chains; between two as strict, the first made."""
    chains = list(chain_list())
    named = {link.account_id: chain for chain in chains for link in chain.accounts.all()}
    default = next((chain for chain in chains if chain.is_default), None)
    by_account = {account_id: named.get(account_id, default) for account_id in account_ids}
    followed = [chain for chain in by_account.values() if chain is not None]
    strictest = max(followed, key=lambda c: (strictness(c), -c.pk), default=None)
    return ChainChoice(by_account=by_account, chain=strictest)


def approval_list(*, post_id: int | None = None) -> QuerySet[Approval]:
    """Return the bound agency's rounds of sign-off of posts (of the post ``post_id``
    when given; a reply's round is the inbox's), newest first, each with who submitted
    it, its post (author, targets and their accounts), its decisions in order, with who
    made them, and the links sent to people outside govsocial."""
    approvals = (
        Approval.objects.filter(post__isnull=False)
        .select_related("submitted_by", "post__author")
        .prefetch_related(
            Prefetch("decisions", queryset=Decision.objects.select_related("decided_by")),
            "links",
            Prefetch("post__targets", queryset=PostTarget.objects.select_related("account")),
        )
    )
    if post_id is not None:
        approvals = approvals.filter(post_id=post_id)
    return approvals.order_by("-submitted_at", "-pk")


def approval_get(*, approval_id: int) -> Approval | None:
    """Return one round of the bound agency with its post and decisions, or None."""
    return approval_list().filter(pk=approval_id).first()


def approval_waiting_list(
    *, user_id: int, approvals: QuerySet[Approval] | None = None
) -> QuerySet[Approval]:
    """Return the rounds (of the bound agency, or of ``approvals``) waiting for the
    person ``user_id``: their post still as submitted (in review), and ``waiting_for``
    them; oldest first."""
    approvals = approval_list() if approvals is None else approvals
    return waiting_for(
        approvals.filter(post__status=PostStatus.IN_REVIEW), user_id=user_id
    ).order_by("submitted_at", "pk")


def reply_approval_waiting_list(*, user_id: int) -> QuerySet[Approval]:
    """Return the bound agency's rounds of sign-off of replies waiting for the person
    ``user_id`` (a reply waits while its round is pending), oldest first, each with its
    reply, who wrote it, and the item it answers on its account."""
    return (
        waiting_for(Approval.objects.filter(post__isnull=True), user_id=user_id)
        .select_related("reply__written_by", "reply__item__account")
        .order_by("submitted_at", "pk")
    )


def waiting_for(approvals: QuerySet[Approval], *, user_id: int) -> QuerySet[Approval]:
    """Return the rounds of ``approvals`` waiting for the person ``user_id``: pending,
    the person an approver of the step deciding now who has not decided at it."""
    # The current step's approvers, fixed at submission, live in the round's JSON.
    deciding_now = RawSQL(
        "(approvals_approval.steps -> (approvals_approval.step - 1) -> 'approvers')"
        " @> to_jsonb(%s::bigint)",
        (user_id,),
        output_field=BooleanField(),
    )
    decided = Decision.objects.filter(
        approval=OuterRef("pk"), step=OuterRef("step"), decided_by_id=user_id
    )
    return (
        approvals.filter(state=ApprovalState.PENDING).filter(deciding_now).exclude(Exists(decided))
    )


def step_approvers(approval: Approval) -> list[User]:
    """Return the people who may decide the round's current step, by name."""
    ids = approval.steps[approval.step - 1]["approvers"] if approval.steps else []
    return sorted(User.objects.filter(pk__in=ids), key=lambda user: user.display_name)


def emergency_review_list(*, post_id: int | None = None) -> QuerySet[EmergencyReview]:
    """Return the bound agency's reviews of emergency posts (of the post ``post_id``
    when given), oldest first, with who published and who closed each, and its post."""
    reviews = EmergencyReview.objects.select_related("published_by", "closed_by", "post__author")
    if post_id is not None:
        reviews = reviews.filter(post_id=post_id)
    return reviews.order_by("published_at", "pk")


def emergency_review_get(*, review_id: int) -> EmergencyReview | None:
    """Return one review of an emergency post of the bound agency, or None."""
    return emergency_review_list().filter(pk=review_id).first()


def emergency_reviews_waiting(
    *, user_id: int, reviews: QuerySet[EmergencyReview] | None = None
) -> QuerySet[EmergencyReview]:
    """Return the open reviews (of the bound agency, or of ``reviews``) that the
    person ``user_id`` is one of the reviewers of, oldest first."""
    reviews = emergency_review_list() if reviews is None else reviews
    return reviews.filter(state=ReviewState.OPEN, reviewers__contains=[user_id])


def emergency_publisher_ids() -> set[int]:
    """Return the user ids of the members the bound agency's admins chose to publish in
    an emergency (admins always may)."""
    return set(EmergencyPublisher.objects.values_list("user_id", flat=True))


def content_rules() -> ContentRules:
    """Return the bound agency's content rules, or the rules of an agency that set none
    (no terms; personal and internal information warns), unsaved."""
    return ContentRules.objects.first() or ContentRules()


def external_link_by_token(*, token: str) -> ExternalLink | None:
    """Return the bound agency's link that ``token`` opens, with its round, or None."""
    return (
        ExternalLink.objects.select_related("approval")
        .filter(token_digest=token_digest(token))
        .first()
    )


def outside_name(name: str) -> str:
    """Return how pages name a person outside govsocial."""
    return _("%(name)s (outside govsocial)") % {"name": name}


@dataclass(frozen=True)
class ThreadEntry:
    """One message of the conversation about a post: who wrote it (by name), when, its
    text, and, for a decision, what was decided (``verdict``, its label) at which step
    (``step``)."""

    written_by: str
    written_at: datetime
    text: str
    verdict: str = ""
    step: int | None = None


def post_thread(*, post_id: int) -> list[ThreadEntry]:
    """Return the conversation about the bound agency's post ``post_id`` in time order:
    its comments, and the decisions of its rounds that said something (those of people
    outside govsocial too)."""
    entries = [
        ThreadEntry(c.written_by.display_name, c.written_at, c.text)
        for c in PostComment.objects.filter(post_id=post_id).select_related("written_by")
    ]
    decisions = Decision.objects.filter(approval__post_id=post_id).exclude(comment="")
    entries += [
        ThreadEntry(
            d.decided_by.display_name, d.decided_at, d.comment, d.get_verdict_display(), d.step
        )
        for d in decisions.select_related("decided_by")
    ]
    outside = ExternalLink.objects.filter(approval__post_id=post_id, used_at__isnull=False)
    entries += [
        ThreadEntry(
            outside_name(link.name),
            link.used_at,
            link.comment,
            link.get_verdict_display(),
            link.step,
        )
        for link in outside.exclude(comment="")
        if link.used_at is not None
    ]
    return sorted(entries, key=lambda entry: entry.written_at)


def blackout_list() -> QuerySet[BlackoutPeriod]:
    """Return the bound agency's blackout periods, by start."""
    return BlackoutPeriod.objects.order_by("starts_at", "pk")


def blackouts_at(*, at: datetime) -> list[BlackoutPeriod]:
    """Return the bound agency's blackout periods that ``at`` falls in."""
    return list(blackout_list().filter(starts_at__lte=at, ends_at__gt=at))
