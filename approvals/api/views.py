"""An agency's approval chains through the API: every member reads them; admins make,
replace and delete them, with the same rules and messages as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import member_list
from accounts.services.principals import require_admin
from approvals import selectors, services
from approvals.api.serializers import (
    ApprovalChainSerializer,
    ApprovalChainWriteSerializer,
    BlackoutPeriodSerializer,
    ContentRulesSerializer,
)
from approvals.models import ApprovalChain, BlackoutPeriod, ContentRules
from approvals.services import StepSpec
from govsocial.api.viewsets import AgencyScopedViewSet
from govsocial.errors import GovsocialError

# The service's names of a step's fields, as the API names them.
STEP_FIELDS = {"users": "members"}


class ApprovalChainViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """The agency's approval chains and their steps: everyone reads; admins make,
    replace and delete them."""

    model = ApprovalChain
    serializer_class = ApprovalChainSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.chain_list().filter(pk__in=queryset.values("pk"))

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False):
            # Approvers are users; the API names members.
            members = member_list(agency=self.agency)
            context["member_of_user"] = {m.user_id: m.pk for m in members}
        return context

    def _answer(self, chain: ApprovalChain, code: int = status.HTTP_200_OK) -> Response:
        """Return the chain as it now is."""
        fresh = self.get_queryset().get(pk=chain.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=ApprovalChainWriteSerializer, responses={201: ApprovalChainSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Make a chain. Making it the agency's default takes the place of the previous
        default; an account another chain names is refused (an account follows one
        chain)."""
        return self._answer(self._save(request, chain=None), status.HTTP_201_CREATED)

    @extend_schema(request=ApprovalChainWriteSerializer, responses=ApprovalChainSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace the chain's name, default, accounts and steps with those sent."""
        return self._answer(self._save(request, chain=self.get_object()))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete the chain: its accounts follow the agency's default again (or need no
        approval). The archive keeps the deletion with the chain as it was."""
        services.chain_delete(chain=self.get_object(), actor=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _save(self, request: Request, *, chain: ApprovalChain | None) -> ApprovalChain:
        """Check what was sent and save it as ``chain`` (None: a new chain)."""
        actor = request.user
        # Before the body: anyone else is refused whatever they send.
        require_admin(
            agency=self.agency,
            actor=actor,  # type: ignore[arg-type]
            refusal=_("Only an agency admin can change approval chains."),
        )
        written = ApprovalChainWriteSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        data = written.validated_data
        user_of_member = {m.pk: m.user_id for m in member_list(agency=self.agency) if m.is_active}
        for position, step in enumerate(data["steps"]):
            unknown = sorted(set(step["members"]) - set(user_of_member))
            if unknown:
                raise GovsocialError(
                    _("Step %(position)s names people who are not active members: %(ids)s.")
                    % {"position": position + 1, "ids": ", ".join(map(str, unknown))},
                    field=f"steps.{position}.members",
                )
        try:
            return services.chain_save(
                agency=self.agency,
                actor=actor,  # type: ignore[arg-type]
                name=data["name"],
                steps=[
                    StepSpec(
                        rule=step["rule"],
                        roles=step["roles"],
                        user_ids=[user_of_member[pk] for pk in step["members"]],
                        externals=[(p["name"], p["email"]) for p in step["external_approvers"]],
                    )
                    for step in data["steps"]
                ],
                account_ids=data["accounts"],
                is_default=data["is_default"],
                chain=chain,
            )
        except GovsocialError as error:
            error.field = _api_field(error.field)
            raise


def _api_field(field: str | None) -> str | None:
    """Return the API's name of the field the service named (``steps.0.users`` is the
    first step's ``members``)."""
    if not field:
        return field
    *path, last = field.split(".")
    return ".".join([*path, STEP_FIELDS.get(last, last)])


class ContentRulesViewSet(AgencyScopedViewSet):
    """The agency's content rules: every member reads them; admins replace them."""

    model = ContentRules
    serializer_class = ContentRulesSerializer

    def _answer(self) -> Response:
        return Response(ContentRulesSerializer(selectors.content_rules()).data)

    @extend_schema(responses=ContentRulesSerializer)
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Read the content rules (those of an agency that set none: no terms, and
        personal and internal information warns)."""
        return self._answer()

    @extend_schema(request=ContentRulesSerializer, responses=ContentRulesSerializer)
    def replace(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace the content rules (admins). Lists are kept without blanks or repeats;
        a term that both blocks and warns is refused."""
        written = ContentRulesSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        services.content_rules_save(
            agency=self.agency,
            actor=request.user,  # type: ignore[arg-type]
            **written.validated_data,
        )
        return self._answer()


class BlackoutPeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """The agency's blackout periods, by start: every member reads them; admins add
    and remove them."""

    model = BlackoutPeriod
    serializer_class = BlackoutPeriodSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.order_by("starts_at", "pk")

    @extend_schema(request=BlackoutPeriodSerializer, responses={201: BlackoutPeriodSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a blackout period (admins). Refused: no name, an end not after its
        start, and an account that is not the agency's."""
        written = BlackoutPeriodSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        data = written.validated_data
        period = services.blackout_add(
            agency=self.agency,
            actor=request.user,  # type: ignore[arg-type]
            name=data["name"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            severity=data["severity"],
            account_ids=data["account_ids"],
        )
        return Response(BlackoutPeriodSerializer(period).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Remove a blackout period (admins); the archive keeps what it was."""
        services.blackout_delete(period=self.get_object(), actor=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
