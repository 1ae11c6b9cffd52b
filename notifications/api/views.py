"""The signed-in person's notifications in an agency, and how they choose to be told of
each kind. Notifications are a person's: an API key has none."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey
from govsocial.api.exceptions import InvalidParameter
from govsocial.api.viewsets import AgencyScopedViewSet, UserScopedViewSet
from notifications import selectors, services
from notifications.api.serializers import (
    ChoicesSerializer,
    NotificationSerializer,
    ReadAllSerializer,
)
from notifications.models import Notification

UNREAD = OpenApiParameter(
    "unread", OpenApiTypes.BOOL, description="true: only those not read yet; false: only read ones"
)


@extend_schema_view(list=extend_schema(parameters=[UNREAD]))
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """The signed-in person's notifications in the agency, newest first; ``/{id}/read/``
    marks one read, ``/read-all/`` all of them. A person signed in reads their own; an
    API key has none (403)."""

    model = Notification
    serializer_class = NotificationSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.perform_authentication(request)
        if isinstance(request.user, ApiKey):
            raise exceptions.PermissionDenied(
                _("Notifications are a person's: an API key has none. Sign in to read yours.")
            )
        super().initial(request, *args, **kwargs)

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        mine = selectors.notification_list(
            user_id=self.request.user.pk,  # type: ignore[arg-type]
            notifications=queryset,
        )
        if self.action != "list" or "unread" not in self.request.query_params:
            return mine
        unread = self.request.query_params["unread"]
        if unread not in ("true", "false"):
            raise InvalidParameter("unread", _("“unread” takes true or false."))
        return mine.filter(read_at__isnull=unread == "true")

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark the notification read (reading it again changes nothing)."""
        notification = self.get_object()
        services.notification_read(notification=notification)
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark every unread notification of the person in the agency read; answer how
        many."""
        count = services.notifications_read_all(user_id=request.user.pk)  # type: ignore[arg-type]
        return Response({"read": count})


class NotificationChoicesViewSet(UserScopedViewSet):
    """How the signed-in person is told of each kind of notification, in every agency
    they belong to (a person's own, like their password)."""

    serializer_class = ChoicesSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Say how the person is told of each kind."""
        return Response(selectors.choices_of(user_id=request.user.pk))  # type: ignore[arg-type]

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change how the person is told of the kinds named; answer every kind's."""
        asked = ChoicesSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        services.choices_set(user_id=request.user.pk, chosen=asked.validated_data)  # type: ignore[arg-type]
        return self.retrieve(request)
