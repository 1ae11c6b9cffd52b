"""Rounds of sign-off through the API: submit a draft for approval, list the rounds
(a post's, or those waiting for the caller), read one with its decisions, and decide
at its current step; the same rules and messages as the pages.

Approvals are people's: a round records the person who submitted it, and each
decision the person who made it, so an API key can read rounds but neither submits a
post nor decides (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from approvals import decisions, selectors
from approvals.api.filters import post_or_mine, post_or_mine_parameters
from approvals.api.serializers import (
    ApprovalSerializer,
    ApprovalSubmitSerializer,
    DecisionWriteSerializer,
)
from approvals.models import Approval
from govsocial.api.viewsets import AgencyScopedViewSet
from govsocial.errors import NotFound
from publishing.selectors import post_get

FILTERS = post_or_mine_parameters(
    of_post="the rounds of this post only",
    mine="the rounds waiting for the caller's decision, oldest first (none for an API "
    "key: keys do not decide)",
)


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """The agency's rounds of sign-off, newest first: every member reads them; authors
    and admins submit drafts; each step's approvers decide."""

    model = Approval
    serializer_class = ApprovalSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        rounds = selectors.approval_list().filter(pk__in=queryset.values("pk"))
        if self.action != "list":
            return rounds
        return post_or_mine(
            self.request,
            rounds,
            lambda user_id, rows: selectors.approval_waiting_list(user_id=user_id, approvals=rows),
        )

    def _answer(self, approval: Approval, code: int = status.HTTP_200_OK) -> Response:
        """Return the round as it now is."""
        fresh = selectors.approval_get(approval_id=approval.pk)
        return Response(ApprovalSerializer(fresh).data, status=code)

    @extend_schema(request=ApprovalSubmitSerializer, responses={201: ApprovalSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send a draft for approval through the strictest chain of its accounts: a new
        round at its first step, whose approvers are emailed; with ``at``, the post
        goes on the schedule for that time at its last approval. The content rules
        check it first: what they block refuses it, and their warnings need
        ``acknowledge_warnings`` (each finding in ``errors``). Refused: a time past,
        a post that is not a draft, one whose accounts need no approval, one that some
        step has nobody but its author to approve, and an API key (403: a person
        submits)."""
        written = ApprovalSubmitSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        post = post_get(post_id=written.validated_data["post"])
        if post is None:
            raise NotFound(_("There is no such post."), field="post")
        approval = decisions.post_submit(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            at=written.validated_data.get("at"),
            acknowledge_warnings=written.validated_data["acknowledge_warnings"],
        )
        return self._answer(approval, status.HTTP_201_CREATED)

    @extend_schema(request=DecisionWriteSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Approve, request changes or reject at the round's current step (an approver
        of that step, never the post's author, never an API key: 403). Requesting
        changes or rejecting needs a comment and ends the round; the last approval
        approves the post as it was submitted."""
        approval = self.get_object()
        written = DecisionWriteSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        decided = decisions.approval_decide(
            approval=approval,
            actor=request.user,  # type: ignore[arg-type]
            verdict=written.validated_data["verdict"],
            comment=written.validated_data["comment"],
        )
        return self._answer(decided)
