"""An agency's network accounts (their health, checks, disconnection and publishers)
and its crisis pauses.

Connecting goes through the network's authorisation pages in a browser (see
``publishing.views``); the API reads and manages what is connected.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from govsocial.api.viewsets import AgencyScopedViewSet
from govsocial.errors import GovsocialError
from publishing import selectors, services
from publishing.api.serializers import (
    PublishersSerializer,
    PublishersWriteSerializer,
    PublishingPauseSerializer,
    QueueSlotsSerializer,
    ResumeSerializer,
    SocialAccountSerializer,
)
from publishing.models import PublishingPause, SocialAccount


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

    @extend_schema(responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def picture(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        """Return the account's picture: a PNG 96 pixels square, drawn again from the
        one its network shows; not found when the account has none."""
        account = self.get_object()
        png = selectors.account_picture_png(account_id=account.pk, digest=account.picture_digest)
        if png is None:
            raise exceptions.NotFound(_("The account has no picture."))
        return HttpResponse(png, content_type="image/png")

    @extend_schema(request=PublishersWriteSerializer, responses=PublishersSerializer)
    @action(detail=True, methods=["get", "put"])
    def publishers(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Read or replace the members and API keys (besides admins and admin keys) who
        may publish to the account; a PUT without ``api_keys`` leaves the keys as they
        are."""
        account = self.get_object()
        members = {m.pk: m for m in selectors.delegable_members(account=account)}
        keys = {key.pk: key for key in selectors.delegable_keys(account=account)}
        if request.method == "PUT":
            wanted = PublishersWriteSerializer(data=request.data)
            wanted.is_valid(raise_exception=True)
            unknown = sorted(set(wanted.validated_data["members"]) - set(members))
            if unknown:
                raise GovsocialError(
                    _("These are not members who can be chosen to publish: %(ids)s.")
                    % {"ids": ", ".join(map(str, unknown))},
                    field="members",
                )
            wanted_keys = wanted.validated_data.get("api_keys")
            unknown = sorted(set(wanted_keys or ()) - set(keys))
            if unknown:
                raise GovsocialError(
                    _("These are not API keys that can be chosen to publish: %(ids)s.")
                    % {"ids": ", ".join(map(str, unknown))},
                    field="api_keys",
                )
            account = services.account_publishers_set(
                account=account,
                actor=request.user,  # type: ignore[arg-type]
                members=[members[pk] for pk in wanted.validated_data["members"]],
                api_keys=None if wanted_keys is None else [keys[pk] for pk in wanted_keys],
            )
        chosen = selectors.account_publisher_ids(account=account)
        chosen_keys = selectors.account_publisher_key_ids(account=account)
        return Response(
            {
                "members": sorted(pk for pk, m in members.items() if m.user_id in chosen),
                "api_keys": sorted(pk for pk in keys if pk in chosen_keys),
            }
        )

    @extend_schema(request=QueueSlotsSerializer, responses=QueueSlotsSerializer)
    @action(detail=True, methods=["get", "put"])
    def queue(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Read or replace the account's queue times (admins replace them), in the
        agency's time zone."""
        account = self.get_object()
        if request.method == "PUT":
            wanted = QueueSlotsSerializer(data=request.data)
            wanted.is_valid(raise_exception=True)
            services.queue_slots_set(
                account=account,
                actor=request.user,  # type: ignore[arg-type]
                slots=[(slot["weekday"], slot["time"]) for slot in wanted.validated_data["slots"]],
            )
        slots = selectors.queue_slot_list(account_ids=[account.pk])
        shown = {"time_zone": self.agency.time_zone, "slots": slots}
        return Response(QueueSlotsSerializer(shown).data)


class PublishingPauseViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet
):
    """Crisis pauses in force: admins pause publishing and resume it."""

    model = PublishingPause
    serializer_class = PublishingPauseSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return (
            queryset.filter(ended_at__isnull=True)
            .select_related("started_by")
            .prefetch_related("accounts")
        )

    def perform_create(self, serializer: BaseSerializer[PublishingPause]) -> None:
        wanted = serializer.validated_data
        accounts = {a.pk: a for a in selectors.social_account_list()}
        unknown = sorted(set(wanted["account_ids"]) - set(accounts))
        if unknown:
            raise GovsocialError(
                _("No such network account: %(ids)s.") % {"ids": ", ".join(map(str, unknown))},
                field="account_ids",
            )
        serializer.instance = services.pause_start(
            agency=self.agency,
            actor=self.request.user,  # type: ignore[arg-type]
            reason=wanted["reason"],
            accounts=[accounts[pk] for pk in wanted["account_ids"]],
            until=wanted.get("until"),
        )

    @extend_schema(request=ResumeSerializer, responses=PublishingPauseSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """End the pause; overdue posts go out now with ``overdue_now``, else stay held."""
        choice = ResumeSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        pause = services.pause_end(
            pause=self.get_object(),
            actor=request.user,  # type: ignore[arg-type]
            overdue_now=choice.validated_data["overdue_now"],
        )
        return Response(PublishingPauseSerializer(pause).data)
