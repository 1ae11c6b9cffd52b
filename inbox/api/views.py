"""The inbox through the API: every member reads the agency's items and replies; those
who work the inbox (admins, approvers, authors, and keys with one of those roles) change
an item's status and assignee and reply, with the same rules and events as the pages."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.db.models import F, QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey, Role, User
from approvals.api.serializers import DecisionWriteSerializer
from govsocial.api.parameters import AN_ID, bool_param, id_param
from govsocial.api.viewsets import AgencyScopedViewSet
from govsocial.errors import GovsocialError
from inbox import moderation, routing, selectors, services
from inbox.api.serializers import (
    CoverageSerializer,
    FiguresQuerySerializer,
    FiguresSerializer,
    InboxItemChangeSerializer,
    InboxItemQuerySerializer,
    InboxItemSerializer,
    InboxNoteSerializer,
    InboxReplySerializer,
    ModerationSerializer,
    PolicyClauseSerializer,
    RoutingRuleSerializer,
    SavedReplySerializer,
)
from inbox.figures import AGES, Row, response_figures
from inbox.files import file_response
from inbox.media import file_get
from inbox.models import (
    Coverage,
    InboxItem,
    InboxReply,
    PolicyClause,
    Priority,
    RoutingRule,
    SavedReply,
)
from inbox.replies import reply_create, reply_decide
from publishing.models import SocialAccount


@extend_schema_view(list=extend_schema(parameters=[InboxItemQuerySerializer]))
class InboxItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """What citizens wrote to the agency's accounts, newest first."""

    model = InboxItem
    serializer_class = InboxItemSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        sees_restricted = Role.RECORDS_OFFICER in self.roles
        items = selectors.with_author_blocked(
            selectors.shown(queryset, sees_restricted)
            .select_related("account", "assignee", "target")
            .prefetch_related("media")
            .order_by("-written_at", "-id")
        )
        if self.action != "list":
            return items
        query = InboxItemQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        chosen = query.validated_data
        assignee = chosen.get("assignee")
        narrowed = selectors.item_list(
            account_id=chosen.get("account"),
            network=chosen.get("network", ""),
            kind=chosen.get("kind", ""),
            status=chosen.get("status", ""),
            language=chosen.get("language", ""),
            text=chosen.get("q", ""),
            tag=chosen.get("tag", ""),
            priority=chosen.get("priority", ""),
            restricted=sees_restricted,
        )
        if assignee:
            narrowed = narrowed.filter(assignee__email__iexact=assignee)
        return items.filter(pk__in=narrowed.values("pk"))

    @extend_schema(request=InboxItemChangeSerializer, responses=InboxItemSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the item's status, its assignee, or both."""
        item = self.get_object()
        change = InboxItemChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        actor: Any = request.user
        if "assignee" in change.validated_data:
            email = change.validated_data["assignee"]
            assignee = User.objects.filter(email__iexact=email).first() if email else None
            if email and assignee is None:
                raise GovsocialError(_("No member has this email."), field="assignee")
            item = services.item_assign(item=item, assignee=assignee, actor=actor)
        if "tags" in change.validated_data:
            item = services.item_tags_set(
                item=item, tags=change.validated_data["tags"], actor=actor
            )
        if "status" in change.validated_data:
            item = services.item_status_set(
                item=item, status=change.validated_data["status"], actor=actor
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("media_id", int, OpenApiParameter.PATH)],
        responses={
            (200, mime): OpenApiResponse(OpenApiTypes.BINARY)
            for mime in ("image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4")
        },
    )
    @action(detail=True, methods=["get"], url_path=r"files/(?P<media_id>[0-9]+)", url_name="file")
    def file(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        """Return the bytes of a file the citizen attached, as the archive keeps them
        (404 until it is kept)."""
        item = self.get_object()
        return file_response(file_get(item_id=item.pk, media_id=int(kwargs["media_id"])))

    @extend_schema(methods=["get"], request=None, responses=InboxReplySerializer(many=True))
    @extend_schema(
        methods=["post"], request=InboxReplySerializer, responses={201: InboxReplySerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def replies(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The agency's replies to the item, oldest first; POST writes one, checked by
        the network's rules and the content rules (their warnings need
        ``acknowledge_warnings``) and sent by a worker (its ``state`` says how far it
        got), or first approved where the agency's replies pass approval."""
        item = self.get_object()
        if request.method == "GET":
            written = InboxReply.objects.filter(item=item).select_related("written_by")
            return Response(InboxReplySerializer(written, many=True).data)
        sent = InboxReplySerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        reply = reply_create(
            item=item,
            text=sent.validated_data["text"],
            actor=request.user,  # type: ignore[arg-type]
            acknowledge_warnings=sent.validated_data["acknowledge_warnings"],
        )
        return Response(InboxReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], request=None, responses=InboxNoteSerializer(many=True))
    @extend_schema(
        methods=["post"], request=InboxNoteSerializer, responses={201: InboxNoteSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def notes(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The members' notes on the item, oldest first (never sent); POST adds one."""
        item = self.get_object()
        if request.method == "GET":
            return Response(InboxNoteSerializer(selectors.notes(item=item), many=True).data)
        sent = InboxNoteSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        note = services.note_add(item=item, text=sent.validated_data["text"], actor=request.user)  # type: ignore[arg-type]
        return Response(InboxNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ModerationSerializer, responses=InboxItemSerializer)
    @action(detail=True, methods=["post"])
    def moderate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Hide the item on its network or show it again, delete it there, or block its
        author, under a clause of the comment policy. The item's ``moderations`` say
        what its network allows; a network that cannot says so (400) and nothing
        changes."""
        item = self.get_object()
        asked = ModerationSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        clause = (
            selectors.policy_clauses(in_force_only=True)
            .filter(code=asked.validated_data["clause"].strip())
            .first()
        )
        item = moderation.item_moderate(
            item=item,
            action=asked.validated_data["action"],
            clause=clause,
            note=asked.validated_data["note"],
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("item", AN_ID, description="the replies to this item only"),
            OpenApiParameter(
                "mine",
                OpenApiTypes.BOOL,
                description="true: only the replies waiting for the caller's approval, "
                "oldest first (none for an API key: keys do not decide)",
            ),
        ]
    )
)
class InboxReplyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """The agency's replies to citizens, newest first; where replies pass approval,
    the approvers of a reply's current step decide on it."""

    model = InboxReply
    serializer_class = InboxReplySerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        replies = queryset.select_related("written_by", "approval").order_by("-written_at", "-id")
        if self.action != "list":
            return replies
        item_id = id_param(self.request, "item")
        if item_id is not None:
            replies = replies.filter(item_id=item_id)
        if bool_param(self.request, "mine"):
            caller: Any = self.request.user
            if isinstance(caller, ApiKey):
                return replies.none()
            waiting = selectors.replies_waiting(user_id=caller.pk)
            replies = replies.filter(pk__in=waiting.values("pk")).order_by("written_at", "id")
        return replies

    @extend_schema(request=DecisionWriteSerializer, responses=InboxReplySerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Approve the reply at its round's current step, request changes, or reject it
        (with a ``comment`` saying why); its last approval sends it, and a round ended
        otherwise leaves it not sent. Refused: a reply that needed no approval (409),
        its writer, whoever is not an approver of the step, and an API key (403)."""
        reply = self.get_object()
        decision = DecisionWriteSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        reply = reply_decide(
            reply=reply,
            actor=request.user,  # type: ignore[arg-type]
            verdict=decision.validated_data["verdict"],
            comment=decision.validated_data["comment"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=reply.pk)).data)


class PolicyClauseViewSet(mixins.ListModelMixin, AgencyScopedViewSet):
    """The agency's comment policy, clause by clause (admins keep it on its page)."""

    model = PolicyClause
    serializer_class = PolicyClauseSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.order_by("code", "id")


class SavedReplyViewSet(mixins.ListModelMixin, AgencyScopedViewSet):
    """The replies the agency keeps ready (admins keep them on their page)."""

    model = SavedReply
    serializer_class = SavedReplySerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.order_by("title", "id")


def _member(email: str | None, field: str) -> User | None:
    """Return the user with ``email`` (None for none), or refuse naming ``field``."""
    if not email:
        return None
    person = User.objects.filter(email__iexact=email).first()
    if person is None:
        raise GovsocialError(_("No member has this email."), field=field)
    return person


class RoutingRuleViewSet(mixins.ListModelMixin, AgencyScopedViewSet):
    """The agency's routing rules, those in force first; admins add rules (POST) and
    retire them (``/{id}/retire/``), applying to what arrives from then on."""

    model = RoutingRule
    serializer_class = RoutingRuleSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(pk__in=selectors.routing_rules().values("pk")).order_by(
            F("retired_at").asc(nulls_first=True), "id"
        )

    @extend_schema(responses={201: RoutingRuleSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a rule."""
        asked = RoutingRuleSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        account_id = data.get("account_id")
        account = SocialAccount.objects.filter(pk=account_id).first() if account_id else None
        if account_id and account is None:
            raise GovsocialError(_("The agency has no such account."), field="account")
        rule = routing.rule_add(
            agency=self.agency,
            actor=request.user,  # type: ignore[arg-type]
            name=data["name"],
            words=data["words"],
            account=account,
            assignee=_member((data.get("assignee") or {}).get("email"), "assignee"),
            tag=data["tag"],
            priority=data.get("priority", Priority.NORMAL),
        )
        answer = RoutingRuleSerializer(self.get_queryset().get(pk=rule.pk)).data
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=RoutingRuleSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Stop applying the rule; it stays, named by what it routed."""
        rule = routing.rule_retire(rule=self.get_object(), actor=request.user)  # type: ignore[arg-type]
        return Response(RoutingRuleSerializer(self.get_queryset().get(pk=rule.pk)).data)


class CoverageViewSet(AgencyScopedViewSet):
    """The inbox's business hours, who is on duty after them, and its urgent words
    (the defaults until an admin sets them with PUT)."""

    model = Coverage
    serializer_class = CoverageSerializer

    @extend_schema(responses=CoverageSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The coverage in force."""
        return Response(_coverage_shape(routing.coverage_of(self.agency)))

    @extend_schema(request=CoverageSerializer, responses=CoverageSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set the coverage (admins)."""
        asked = CoverageSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        coverage = routing.coverage_set(
            agency=self.agency,
            actor=request.user,  # type: ignore[arg-type]
            weekdays=data["weekdays"],
            opens_at=time.fromisoformat(data["opens_at"]),
            closes_at=time.fromisoformat(data["closes_at"]),
            after_hours=[
                person
                for email in data["after_hours"]
                if (person := _member(email, "after_hours")) is not None
            ],
            urgent_words=data["urgent_words"],
            replies_need_approval=data["replies_need_approval"],
        )
        return Response(_coverage_shape(coverage))


class FiguresViewSet(AgencyScopedViewSet):
    """Response times: how long what reached the accounts waited for a first answer,
    per account and per member, in and out of business hours; open items by age."""

    model = InboxItem
    serializer_class = FiguresSerializer

    @extend_schema(parameters=[FiguresQuerySerializer], responses=FiguresSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The figures over the last ``days`` days."""
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = response_figures(agency=self.agency, days=int(query.validated_data["days"]))
        return Response(
            FiguresSerializer(
                {
                    "since": figures.since,
                    "days": figures.days,
                    "unanswered": figures.unanswered,
                    "by_account": [_row_shape(row) for row in figures.by_account],
                    "by_member": [_row_shape(row) for row in figures.by_member],
                    "up_to_seconds": [int(age.total_seconds()) for age in AGES],
                    "open_by_age": [
                        {"id": w.key, "name": w.name, "counts": w.counts, "total": w.total}
                        for w in figures.open_by_age
                    ],
                }
            ).data
        )


def _row_shape(row: Row) -> dict[str, Any]:
    """Return one account's or member's figures as the API shows them."""
    return {"id": row.key, "name": row.name} | {
        group: {
            "answered": timing.answered,
            "median_seconds": _seconds(timing.median),
            "p90_seconds": _seconds(timing.p90),
        }
        for group, timing in (
            ("overall", row.overall),
            ("in_hours", row.in_hours),
            ("after_hours", row.after_hours),
        )
    }


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds(), 1)


def _coverage_shape(coverage: Coverage) -> dict[str, Any]:
    """Return ``coverage`` as the API shows it (its members by email)."""
    emails = User.objects.filter(pk__in=coverage.after_hours).order_by("email")
    return dict(
        CoverageSerializer(
            {
                "weekdays": coverage.weekdays,
                "opens_at": coverage.opens_at.strftime("%H:%M"),
                "closes_at": coverage.closes_at.strftime("%H:%M"),
                "after_hours": list(emails.values_list("email", flat=True)),
                "urgent_words": coverage.urgent_words,
                "replies_need_approval": coverage.replies_need_approval,
            }
        ).data
    )
