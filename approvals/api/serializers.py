"""Shapes of approvals in the API: an approval chain, its accounts and its steps, with
members by member id (as ``/members/`` gives them); a round of sign-off of a post and
its decisions, with people by email (as ``/posts/`` names authors)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from accounts.models import Role, User
from approvals.decisions import COMMENT_LONGEST
from approvals.emergency import NOTE_LONGEST, REASON_LONGEST
from approvals.models import (
    Approval,
    ApprovalChain,
    ApprovalState,
    BlackoutPeriod,
    ContentRule,
    EmergencyReview,
    PostComment,
    ReviewState,
    RuleSeverity,
    StepRule,
    Verdict,
)
from approvals.services import GUIDELINES_LONGEST, NAME_LONGEST, RULE_LIST_LONGEST
from publishing.api.serializers import MomentField


class PersonOutsideSerializer(serializers.Serializer):
    """Someone outside govsocial who approves at a step through a link emailed to them
    (it works once, for ``EXTERNAL_LINK_DAYS``)."""

    # Spaces are the service's to trim; a blank name is given as the email.
    name = serializers.CharField(
        max_length=NAME_LONGEST, allow_blank=True, trim_whitespace=False, default=""
    )
    email = serializers.EmailField()


class ApprovalStepSerializer(serializers.Serializer):
    """One step: its approvers are the members holding one of ``roles``, the
    ``members`` named and the people outside govsocial named (``external_approvers``);
    ``rule`` says whether any one or all of them must approve."""

    rule = serializers.ChoiceField(
        choices=StepRule.choices, help_text="any: one approver is enough; all: every one"
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        help_text="members holding one of these roles approve",
    )
    members = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="member ids (as /members/ gives them) of the members named",
    )
    external_approvers = PersonOutsideSerializer(many=True)


class ApprovalStepWriteSerializer(ApprovalStepSerializer):
    """One step as it is written: without ``roles`` or ``members``, none."""

    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        default=list,
        help_text="members holding one of these roles approve",
    )
    members = serializers.ListField(
        child=serializers.IntegerField(),
        default=list,
        help_text="member ids (as /members/ gives them) of active members to name",
    )
    external_approvers = PersonOutsideSerializer(many=True, default=list)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Legal counsel, then every approver, for two accounts",
            value={
                "id": 7,
                "name": "Communications",
                "is_default": False,
                "accounts": [3, 5],
                "steps": [
                    {"rule": "any", "roles": [], "members": [12, 15], "external_approvers": []},
                    {
                        "rule": "all",
                        "roles": ["approver"],
                        "members": [],
                        "external_approvers": [
                            {"name": "Minister's Office", "email": "minister@example.gov"}
                        ],
                    },
                ],
            },
        )
    ]
)
class ApprovalChainSerializer(serializers.Serializer):
    """An approval chain: the steps a post goes through, in order, before it may go
    out, for the ``accounts`` it names (by account id) or, as the agency's default
    (``is_default``), for every account no chain names. An account follows one chain
    at most; a chain without steps means its accounts need no approval."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    is_default = serializers.BooleanField()
    accounts = serializers.ListField(
        child=serializers.IntegerField(), help_text="network account ids"
    )
    steps = ApprovalStepSerializer(many=True, help_text="in order; empty: no approval needed")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """Return the chain (fetched with its steps, approvers and accounts), its named
        approvers by member id (the context's ``member_of_user``: user id → member id)."""
        chain: ApprovalChain = instance
        member_of_user: dict[int, int] = self.context["member_of_user"]
        return {
            "id": chain.pk,
            "name": chain.name,
            "is_default": chain.is_default,
            "accounts": sorted(link.account_id for link in chain.accounts.all()),
            "steps": [
                {
                    "rule": step.rule,
                    "roles": list(step.roles),
                    "members": sorted(
                        member_of_user[a.user_id]
                        for a in step.approvers.all()
                        if a.user_id in member_of_user
                    ),
                    "external_approvers": step.external_approvers,
                }
                for step in chain.steps.all()
            ],
        }


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Legal counsel, then every approver, for two accounts",
            request_only=True,
            value={
                "name": "Communications",
                "accounts": [3, 5],
                "steps": [
                    {"rule": "any", "members": [12, 15]},
                    {"rule": "all", "roles": ["approver"]},
                ],
            },
        )
    ]
)
class ApprovalChainWriteSerializer(serializers.Serializer):
    """A chain as an admin writes it: its name, whether it is the agency's default,
    the accounts it names (by account id) and its steps in order (members by member
    id). A PUT replaces all of it."""

    # Spaces around the name are the service's to trim: a blank name is a rule's refusal.
    name = serializers.CharField(max_length=NAME_LONGEST, trim_whitespace=False)
    is_default = serializers.BooleanField(default=False)
    accounts = serializers.ListField(
        child=serializers.IntegerField(), default=list, help_text="network account ids"
    )
    steps = ApprovalStepWriteSerializer(
        many=True, help_text="in order; empty: the accounts need no approval"
    )


class RoundStepSerializer(serializers.Serializer):
    """One step of a round as it was fixed at submission: its rule and the people
    (by email) who may decide it."""

    rule = serializers.ChoiceField(
        choices=StepRule.choices, help_text="any: one approver is enough; all: every one"
    )
    approvers = serializers.ListField(child=serializers.EmailField())
    external_approvers = PersonOutsideSerializer(many=True)


class ExternalDecisionSerializer(serializers.Serializer):
    """The decision of someone outside govsocial, made through the link sent to them."""

    step = serializers.IntegerField(help_text="the step's position, from 1")
    name = serializers.CharField()
    email = serializers.EmailField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    comment = serializers.CharField()
    decided_at = serializers.DateTimeField()


class DecisionSerializer(serializers.Serializer):
    """One approver's decision at one step of a round."""

    step = serializers.IntegerField(help_text="the step's position, from 1")
    decided_by = serializers.EmailField(source="decided_by.email")
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    comment = serializers.CharField()
    decided_at = serializers.DateTimeField()


class FindingSerializer(serializers.Serializer):
    """What one content rule found in a post."""

    rule = serializers.ChoiceField(choices=ContentRule.choices)
    severity = serializers.ChoiceField(choices=[RuleSeverity.BLOCK, RuleSeverity.WARN])
    where = serializers.CharField(help_text="the part of the post, as people read it")
    message = serializers.CharField()


class EmailsReadOnce(serializers.ListSerializer):
    """Items whose people (user ids kept in JSON) are named by email: the emails of
    all of them read at once (each item's ids from its serializer's ``user_ids``)."""

    def to_representation(self, data: Any) -> list[Any]:
        items = list(data.all() if hasattr(data, "all") else data)
        ids = {user_id for item in items for user_id in self.child.user_ids(item)}  # type: ignore[union-attr]
        # The context is the children's too: each item reads the emails from it.
        cast(dict[str, Any], self.context)["email_of_user"] = emails_of(ids)
        return super().to_representation(items)


def emails_of(user_ids: Iterable[int]) -> dict[int, str]:
    """Return the email of each of the people ``user_ids``."""
    return dict(User.objects.filter(pk__in=set(user_ids)).values_list("pk", "email"))


class PeopleByEmail(serializers.Serializer):
    """Base of a serializer of items that keep people as user ids (``user_ids``)."""

    class Meta:
        list_serializer_class = EmailsReadOnce

    def user_ids(self, instance: Any) -> list[int]:
        """Return the user ids ``instance`` keeps."""
        raise NotImplementedError

    def emails(self, instance: Any) -> dict[int, str]:
        """Return the emails of the people ``instance`` keeps, read once for a list."""
        known: dict[int, str] | None = self.context.get("email_of_user")
        return known if known is not None else emails_of(self.user_ids(instance))


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Waiting at its second step",
            value={
                "id": 41,
                "post": 318,
                "chain": "Communications",
                "revision": 3,
                "content_hash": "9f2c" + "0" * 60,
                "state": "pending",
                "step": 2,
                "steps": [
                    {
                        "rule": "any",
                        "approvers": ["counsel@riverton.example"],
                        "external_approvers": [],
                    },
                    {
                        "rule": "all",
                        "approvers": ["grace@riverton.example"],
                        "external_approvers": [
                            {"name": "Minister's Office", "email": "minister@example.gov"}
                        ],
                    },
                ],
                "submitted_by": "ada@riverton.example",
                "submitted_at": "2025-03-04T14:05:00Z",
                "closed_at": None,
                "decisions": [
                    {
                        "step": 1,
                        "decided_by": "counsel@riverton.example",
                        "verdict": "approve",
                        "comment": "",
                        "decided_at": "2025-03-04T15:12:00Z",
                    }
                ],
                "external_decisions": [],
                "findings": [
                    {
                        "rule": "sensitive",
                        "severity": "warn",
                        "where": "the text",
                        "message": "It holds the phone number 613 555 0134: personal or "
                        "internal information.",
                    }
                ],
                "warnings_acknowledged": True,
            },
        )
    ]
)
class ApprovalSerializer(PeopleByEmail):
    """One round of sign-off of one revision of a post (its content hash): the steps
    of the chain it followed, fixed when it was submitted, the step deciding now
    (``step``, from 1) and every decision so far. People are named by email."""

    id = serializers.IntegerField()
    post = serializers.IntegerField(help_text="the post's id")
    chain = serializers.CharField(help_text="the chain's name when the post was submitted")
    revision = serializers.IntegerField()
    content_hash = serializers.CharField()
    state = serializers.ChoiceField(choices=ApprovalState.choices)
    step = serializers.IntegerField()
    steps = RoundStepSerializer(many=True)
    submitted_by = serializers.EmailField()
    submitted_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    decisions = DecisionSerializer(many=True)
    external_decisions = ExternalDecisionSerializer(many=True)
    findings = FindingSerializer(
        many=True, help_text="what the content rules found in the revision submitted"
    )
    warnings_acknowledged = serializers.BooleanField()

    def user_ids(self, instance: Any) -> list[int]:
        return [user_id for step in instance.steps for user_id in step["approvers"]]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """Return the round (fetched with its decisions and who made them)."""
        approval: Approval = instance
        email_of_user = self.emails(approval)
        moment = serializers.DateTimeField().to_representation
        return {
            "id": approval.pk,
            "post": approval.post_id,
            "chain": approval.chain_name,
            "revision": approval.revision,
            "content_hash": approval.content_hash,
            "state": approval.state,
            "step": approval.step,
            "steps": [
                {
                    "rule": step["rule"],
                    "approvers": [
                        email_of_user[u] for u in step["approvers"] if u in email_of_user
                    ],
                    "external_approvers": step.get("external", []),
                }
                for step in approval.steps
            ],
            "submitted_by": approval.submitted_by.email,
            "submitted_at": moment(approval.submitted_at),
            "closed_at": moment(approval.closed_at) if approval.closed_at else None,
            "decisions": DecisionSerializer(approval.decisions.all(), many=True).data,
            "external_decisions": [
                {
                    "step": link.step,
                    "name": link.name,
                    "email": link.email,
                    "verdict": link.verdict,
                    "comment": link.comment,
                    "decided_at": moment(link.used_at),
                }
                for link in approval.links.all()
                if link.used_at is not None
            ],
            "findings": approval.findings,
            "warnings_acknowledged": approval.warnings_acknowledged,
        }


class ApprovalSubmitSerializer(serializers.Serializer):
    """The draft to send for approval, and when it goes out once approved."""

    post = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="the post's id")
    acknowledge_warnings = serializers.BooleanField(
        default=False,
        help_text="true: the caller has read the content rules' warnings and submits anyway "
        "(refused without it when there are any, each warning in errors)",
    )
    at = MomentField(
        required=False,
        help_text=(
            "ISO 8601 with an offset: the post goes on the schedule for this time at its "
            "last approval, if that comes before it (else it waits, overdue, for a new "
            "time); without it, a time is chosen once it is approved"
        ),
    )


class DecisionWriteSerializer(serializers.Serializer):
    """An approver's decision at the round's current step."""

    verdict = serializers.ChoiceField(choices=Verdict.choices)
    # Spaces are the service's to trim: a blank comment where one is needed is a rule's refusal.
    comment = serializers.CharField(
        default="",
        allow_blank=True,
        trim_whitespace=False,
        max_length=COMMENT_LONGEST,
        help_text="required to request changes or to reject: what should change, or why",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Flagged after a boil-water advisory",
            response_only=True,
            value={
                "id": 7,
                "post": 412,
                "revision": 1,
                "content_hash": "3b1d" + "0" * 60,
                "reason": "Boil-water advisory from the health unit at 6:40 a.m.",
                "chain": "Communications",
                "reviewers": ["grace@riverton.example"],
                "published_by": "ada@riverton.example",
                "published_at": "2030-03-04T06:52:00Z",
                "state": "flagged",
                "closed_by": "grace@riverton.example",
                "closed_at": "2030-03-04T09:15:00Z",
                "note": "The map link pointed to last year's advisory.",
            },
        )
    ]
)
class EmergencyReviewSerializer(PeopleByEmail):
    """A post published in an emergency without its chain's approval (the revision
    that went out, and why), and its review by the chain's approvers: any one of the
    ``reviewers`` closes it, acknowledged or flagged with a note. People by email."""

    id = serializers.IntegerField()
    post = serializers.IntegerField(help_text="the post's id")
    revision = serializers.IntegerField()
    content_hash = serializers.CharField()
    reason = serializers.CharField()
    chain = serializers.CharField(help_text="the chain it skipped, by its name then")
    reviewers = serializers.ListField(child=serializers.EmailField())
    published_by = serializers.EmailField()
    published_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=ReviewState.choices)
    closed_by = serializers.EmailField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()

    def user_ids(self, instance: Any) -> list[int]:
        return list(instance.reviewers)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """Return the review (fetched with who published and who closed it)."""
        review: EmergencyReview = instance
        email_of_user = self.emails(review)
        moment = serializers.DateTimeField().to_representation
        return {
            "id": review.pk,
            "post": review.post_id,
            "revision": review.revision,
            "content_hash": review.content_hash,
            "reason": review.reason,
            "chain": review.chain_name,
            "reviewers": [email_of_user[u] for u in review.reviewers if u in email_of_user],
            "published_by": review.published_by.email,
            "published_at": moment(review.published_at),
            "state": review.state,
            "closed_by": review.closed_by.email if review.closed_by else None,
            "closed_at": moment(review.closed_at) if review.closed_at else None,
            "note": review.note,
        }


class EmergencyPublishSerializer(serializers.Serializer):
    """The post to publish now in an emergency, and why it cannot wait."""

    post = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="the post's id")
    # Spaces are the service's to trim: a blank reason is a rule's refusal.
    reason = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=REASON_LONGEST
    )


class EmergencyReviewCloseSerializer(serializers.Serializer):
    """A reviewer's closing of the review of an emergency post."""

    outcome = serializers.ChoiceField(
        choices=[
            (ReviewState.ACKNOWLEDGED, ReviewState.ACKNOWLEDGED.label),
            (ReviewState.FLAGGED, ReviewState.FLAGGED.label),
        ]
    )
    note = serializers.CharField(
        default="",
        allow_blank=True,
        trim_whitespace=False,
        max_length=NOTE_LONGEST,
        help_text="required to flag it: what was wrong",
    )


class EmergencyPublishersSerializer(serializers.Serializer):
    """The members (by member id) who may publish in an emergency, besides the admins,
    who always may."""

    members = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), max_length=1000
    )


class ContentRulesSerializer(serializers.Serializer):
    """The agency's content rules: terms that block a post or warn (whole words and
    phrases, case and accents aside, hashtags read as their words), what personal and
    internal information does (``block``, ``warn`` or ``off``) and the agency's own
    contacts and internal host names it means, and the guidelines shown beside the
    composer. Entries are kept trimmed, without blanks or repeats."""

    blocked_terms = serializers.ListField(
        child=serializers.CharField(max_length=100, allow_blank=True, trim_whitespace=False),
        max_length=RULE_LIST_LONGEST,
    )
    warned_terms = serializers.ListField(
        child=serializers.CharField(max_length=100, allow_blank=True, trim_whitespace=False),
        max_length=RULE_LIST_LONGEST,
    )
    sensitive = serializers.ChoiceField(choices=RuleSeverity.choices)
    published_contacts = serializers.ListField(
        child=serializers.CharField(max_length=254, allow_blank=True, trim_whitespace=False),
        max_length=RULE_LIST_LONGEST,
    )
    internal_hosts = serializers.ListField(
        child=serializers.CharField(max_length=253, allow_blank=True, trim_whitespace=False),
        max_length=RULE_LIST_LONGEST,
    )
    accessibility = serializers.ChoiceField(choices=RuleSeverity.choices)
    links = serializers.ChoiceField(choices=RuleSeverity.choices)
    allowed_domains = serializers.ListField(
        child=serializers.CharField(max_length=253, allow_blank=True, trim_whitespace=False),
        max_length=RULE_LIST_LONGEST,
        help_text="the domains links may go to (their subdomains too); empty: any",
    )
    bilingual = serializers.ChoiceField(
        choices=RuleSeverity.choices, help_text="a post submitted without its translation"
    )
    guidelines = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=GUIDELINES_LONGEST
    )


class PostCommentSerializer(serializers.Serializer):
    """A message in the conversation about a post's approval (decisions carry their own
    comments, in ``/approvals/``)."""

    id = serializers.IntegerField(read_only=True)
    post = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="the post's id")
    written_by = serializers.EmailField(source="written_by.email", read_only=True)
    # Spaces are the service's to trim: a blank message is a rule's refusal.
    text = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=COMMENT_LONGEST
    )
    written_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        comment: PostComment = instance
        return {
            "id": comment.pk,
            "post": comment.post_id,
            "written_by": comment.written_by.email,
            "text": comment.text,
            "written_at": serializers.DateTimeField().to_representation(comment.written_at),
        }


class BlackoutPeriodSerializer(serializers.Serializer):
    """A time when posts must not go out (``block``), or only knowingly (``warn``), on
    the ``accounts`` named (by id; none: every account): from ``starts_at`` up to
    ``ends_at``."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=NAME_LONGEST, allow_blank=True, trim_whitespace=False)
    starts_at = MomentField(help_text="ISO 8601 with an offset")
    ends_at = MomentField(help_text="ISO 8601 with an offset; after starts_at")
    severity = serializers.ChoiceField(choices=[RuleSeverity.BLOCK, RuleSeverity.WARN])
    accounts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        source="account_ids",
        default=list,
        max_length=1000,
        help_text="network account ids; empty: every account",
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        period: BlackoutPeriod = instance
        moment = serializers.DateTimeField().to_representation
        return {
            "id": period.pk,
            "name": period.name,
            "starts_at": moment(period.starts_at),
            "ends_at": moment(period.ends_at),
            "severity": period.severity,
            "accounts": period.account_ids,
        }
