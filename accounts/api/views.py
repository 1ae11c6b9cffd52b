"""The agencies of the signed-in person, and an agency's members and invitations."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts import selectors, services
from accounts.api.serializers import InvitationSerializer, MemberSerializer, MyAgencySerializer
from accounts.models import Invitation, Membership
from govsocial.api.viewsets import AgencyScopedViewSet, UserScopedViewSet


class MyAgencyViewSet(mixins.ListModelMixin, UserScopedViewSet):
    """The agencies the signed-in person belongs to, with their roles."""

    serializer_class = MyAgencySerializer

    def get_queryset(self) -> list[Membership]:  # type: ignore[override]
        return selectors.memberships_of_user(user=self.request.user)  # type: ignore[arg-type]


class MemberViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, AgencyScopedViewSet
):
    """Members of an agency: everyone reads; admins change roles and deactivate."""

    model = Membership
    serializer_class = MemberSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("user").order_by("-is_active", "user__email")

    def perform_update(self, serializer: BaseSerializer[Membership]) -> None:
        membership = self.get_object()
        serializer.instance = services.membership_change_roles(
            membership=membership,
            actor=self.request.user,  # type: ignore[arg-type]
            # Roles are all there is to change: without them, the member stays as is.
            roles=serializer.validated_data.get("roles", membership.roles),
        )

    @extend_schema(request=None, responses=MemberSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Deactivate the member and end all their sessions."""
        membership = services.membership_deactivate(
            membership=self.get_object(),
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(MemberSerializer(membership).data)


class InvitationViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet
):
    """Open invitations of an agency; admins invite by email and withdraw invitations."""

    model = Invitation
    serializer_class = InvitationSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(accepted_at=None, revoked_at=None).select_related("invited_by")

    def perform_create(self, serializer: BaseSerializer[Invitation]) -> None:
        invitation, _token = services.invitation_create(
            agency=self.agency,
            actor=self.request.user,  # type: ignore[arg-type]
            email=serializer.validated_data["email"],
            roles=serializer.validated_data["roles"],
        )
        serializer.instance = invitation

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Withdraw the invitation so its link stops working."""
        services.invitation_revoke(invitation=self.get_object(), actor=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
