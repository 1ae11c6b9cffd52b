"""Emergency publishing through the API: publish a post now without its chain's
approval (with a reason), list and read the reviews such posts owe, close one, and
read or choose who may publish in an emergency; the same rules and messages as the
pages. An emergency is a person's call: an API key reads but neither publishes in an
emergency nor reviews (403)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Role
from accounts.selectors import member_list
from approvals import emergency, selectors
from approvals.api.filters import post_or_mine, post_or_mine_parameters
from approvals.api.serializers import (
    EmergencyPublishersSerializer,
    EmergencyPublishSerializer,
    EmergencyReviewCloseSerializer,
    EmergencyReviewSerializer,
)
from approvals.models import EmergencyReview
from govsocial.api.viewsets import AgencyScopedViewSet
from govsocial.errors import GovsocialError, NotFound
from publishing.selectors import post_get

FILTERS = post_or_mine_parameters(
    of_post="the reviews of this post only",
    mine="the open reviews the caller is one of the reviewers of (none for an API key: "
    "keys do not review)",
)


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class EmergencyReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """Posts published in an emergency and their reviews, oldest first: every member
    reads them; the members allowed publish in an emergency; the chain's approvers
    review."""

    model = EmergencyReview
    serializer_class = EmergencyReviewSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        reviews = selectors.emergency_review_list().filter(pk__in=queryset.values("pk"))
        if self.action != "list":
            return reviews
        return post_or_mine(
            self.request,
            reviews,
            lambda user_id, rows: selectors.emergency_reviews_waiting(
                user_id=user_id, reviews=rows
            ),
        )

    def _answer(self, review: EmergencyReview, code: int = status.HTTP_200_OK) -> Response:
        """Return the review as it now is."""
        fresh = selectors.emergency_review_get(review_id=review.pk)
        return Response(EmergencyReviewSerializer(fresh).data, status=code)

    @extend_schema(request=EmergencyPublishSerializer, responses={201: EmergencyReviewSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Publish a post now, as it is, without its chain's approval, for ``reason``;
        answer with the review it opens, whose reviewers are emailed. Refused: a person
        the agency does not allow (403; admins always may), an API key (403), no
        reason, a post already on the schedule or out, one whose accounts need no
        approval, one nobody but the caller could review, and whatever publishing now
        refuses."""
        written = EmergencyPublishSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        post = post_get(post_id=written.validated_data["post"])
        if post is None:
            raise NotFound(_("There is no such post."), field="post")
        review = emergency.post_publish_emergency(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            reason=written.validated_data["reason"],
        )
        return self._answer(review, status.HTTP_201_CREATED)

    @extend_schema(request=EmergencyReviewCloseSerializer, responses=EmergencyReviewSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Close the review: ``acknowledged``, or ``flagged`` with a ``note`` (one of its
        reviewers, once; never an API key: 403)."""
        review = self.get_object()
        written = EmergencyReviewCloseSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        closed = emergency.emergency_review_close(
            review=review,
            actor=request.user,  # type: ignore[arg-type]
            outcome=written.validated_data["outcome"],
            note=written.validated_data["note"],
        )
        return self._answer(closed)

    @extend_schema(request=EmergencyPublishersSerializer, responses=EmergencyPublishersSerializer)
    @action(detail=False, methods=["get", "put"])
    def publishers(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Read or replace (admins) the members, besides the admins, who may publish in
        an emergency."""
        members = {
            m.pk: m
            for m in member_list(agency=self.agency)
            if m.is_active and Role.ADMIN not in m.roles
        }
        if request.method == "PUT":
            wanted = EmergencyPublishersSerializer(data=request.data)
            wanted.is_valid(raise_exception=True)
            unknown = sorted(set(wanted.validated_data["members"]) - set(members))
            if unknown:
                raise GovsocialError(
                    _("These are not members who can be chosen: %(ids)s.")
                    % {"ids": ", ".join(map(str, unknown))},
                    field="members",
                )
            emergency.emergency_publishers_set(
                agency=self.agency,
                actor=request.user,  # type: ignore[arg-type]
                members=[members[pk] for pk in wanted.validated_data["members"]],
            )
        chosen = selectors.emergency_publisher_ids()
        return Response({"members": sorted(pk for pk, m in members.items() if m.user_id in chosen)})
