"""Shapes of approvals in the API: an approval chain, its accounts and its steps, with
members by member id (as ``/members/`` gives them)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from accounts.models import Role
from approvals.models import ApprovalChain, StepRule
from approvals.services import NAME_LONGEST


class ApprovalStepSerializer(serializers.Serializer):
    """One step: its approvers are the members holding one of ``roles`` and the
    ``members`` named; ``rule`` says whether any one or all of them must approve."""

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
                    {"rule": "any", "roles": [], "members": [12, 15]},
                    {"rule": "all", "roles": ["approver"], "members": []},
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
