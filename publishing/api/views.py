"""An agency's network accounts: their health, checks, disconnection and publishers.

Connecting goes through the network's authorisation pages in a browser (see
``publishing.views``); the API reads and manages what is connected.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from govsocial.api.viewsets import AgencyScopedViewSet
from govsocial.errors import GovsocialError
from publishing import selectors, services
from publishing.api.serializers import PublishersSerializer, SocialAccountSerializer
from publishing.models import SocialAccount


class SocialAccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """The agency's network accounts; admins disconnect them and choose who publishes."""

    model = SocialAccount
    serializer_class = SocialAccountSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("connected_by")

    @extend_schema(request=None, responses=SocialAccountSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Ask the network now whether the account's authorisation still works."""
        account = services.account_health_check(account=self.get_object())
        return Response(SocialAccountSerializer(account).data)

    @extend_schema(request=None, responses=SocialAccountSerializer)
    @action(detail=True, methods=["post"])
    def disconnect(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Forget the account's tokens: nothing more is published to it."""
        account = services.account_disconnect(
            account=self.get_object(),
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(SocialAccountSerializer(account).data)

    @extend_schema(request=PublishersSerializer, responses=PublishersSerializer)
    @action(detail=True, methods=["get", "put"])
    def publishers(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Read or replace the members (besides admins) who may publish to the account."""
        account = self.get_object()
        members = {m.pk: m for m in selectors.delegable_members(account=account)}
        if request.method == "PUT":
            wanted = PublishersSerializer(data=request.data)
            wanted.is_valid(raise_exception=True)
            unknown = sorted(set(wanted.validated_data["members"]) - set(members))
            if unknown:
                raise GovsocialError(
                    _("These are not members who can be chosen to publish: %(ids)s.")
                    % {"ids": ", ".join(map(str, unknown))},
                    field="members",
                )
            account = services.account_publishers_set(
                account=account,
                actor=request.user,  # type: ignore[arg-type]
                members=[members[pk] for pk in wanted.validated_data["members"]],
            )
        chosen = selectors.account_publisher_ids(account=account)
        return Response({"members": sorted(pk for pk, m in members.items() if m.user_id in chosen)})
