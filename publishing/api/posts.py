"""An agency's posts through the API: list (with filters), write, read, change, add
their translation, schedule (or publish now) and take off the schedule, with the same
rules and messages
as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from govsocial.api.exceptions import InvalidParameter
from govsocial.api.parameters import AN_ID, id_param
from govsocial.api.viewsets import AgencyScopedViewSet
from govsocial.errors import GovsocialError
from publishing import selectors, services
from publishing.api.serializers import (
    AddToQueueSerializer,
    PostSerializer,
    PostWriteSerializer,
    PublishNowSerializer,
    ScheduleSerializer,
    TargetChoiceSerializer,
)
from publishing.models import Post, PostStatus

FILTERS = [
    OpenApiParameter(
        "status", OpenApiTypes.STR, enum=PostStatus.values, description="a post's status"
    ),
    OpenApiParameter("account", AN_ID, description="a network account's id"),
    OpenApiParameter("author", AN_ID, description="the author's user id"),
    OpenApiParameter("campaign", OpenApiTypes.STR, description="a campaign tag"),
    OpenApiParameter(
        "text",
        OpenApiTypes.STR,
        description="words the post's text, or the text one of its accounts has of its own,"
        " contains (letter case aside)",
    ),
]


def post_filters(request: Request) -> selectors.PostFilters:
    """Return the post filters (``FILTERS``) the request gives, as the selectors take
    them; refuse a value that is not one of them."""
    status = request.query_params.get("status", "")
    if status and status not in PostStatus.values:
        raise InvalidParameter(
            "status",
            _("“status” takes one of: %(statuses)s.") % {"statuses": ", ".join(PostStatus.values)},
        )
    return {
        "status": status,
        "account_id": id_param(request, "account"),
        "author_id": id_param(request, "author"),
        "campaign": request.query_params.get("campaign", ""),
        "text": request.query_params.get("text", ""),
    }


def _content(data: dict[str, Any]) -> dict[str, Any]:
    """Return what the API was sent as the post services take it."""
    return {
        "text": data["text"],
        "link": data["link"],
        "language": data["language"],
        "campaign": data["campaign"],
        "account_ids": data["accounts"],
        "variants": data["variants"],
        "media": [(m["asset"], m["alt_text"]) for m in data["media"]],
        "first_comments": data["first_comments"],
    }


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class PostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """The agency's posts. Writing takes an author or an admin, and only for accounts
    the writer may publish to."""

    model = Post
    serializer_class = PostSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        return selectors.posts_listed(posts=queryset, **post_filters(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List the agency's posts: unscheduled ones first, then by scheduled time,
        latest first."""
        page = self.paginate_queryset(self.get_queryset().values_list("pk", flat=True))
        return self.get_paginated_response(selectors.post_rows(post_ids=page or []))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Read one post."""
        return self._answer(self.get_object())

    def _answer(self, post: Post, code: int = status.HTTP_200_OK) -> Response:
        """Return the post as it now is (``PostSerializer`` describes it)."""
        return Response(selectors.post_rows(post_ids=[post.pk])[0], status=code)

    @extend_schema(request=PostWriteSerializer, responses={201: PostSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Write a draft post for the chosen accounts."""
        written = PostWriteSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        data = written.validated_data
        post = services.post_create(
            agency=self.agency,
            actor=request.user,  # type: ignore[arg-type]
            **_content(data),
        )
        return self._answer(post, status.HTTP_201_CREATED)

    @extend_schema(request=PostWriteSerializer, responses=PostSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace what the post says (accounts left out of ``variants`` keep their own
        text). A change of content takes a scheduled post back to draft."""
        return self._update(request, partial=False)

    @extend_schema(request=PostWriteSerializer, responses=PostSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change some of what the post says; the rest stays."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        post = self.get_object()
        if partial and isinstance(request.data, dict):
            # What the request leaves out stays as it is: the whole post, as it would be
            # written, is checked, so that a file given alone gets the same rules.
            current = {
                "text": post.text,
                "link": post.link,
                "language": post.language,
                "campaign": post.campaign,
                "accounts": [t.account_id for t in post.targets.all()],
                "media": [{"asset": m.asset_id, "alt_text": m.alt_text} for m in post.media.all()],
            }
            written = PostWriteSerializer(data=current | request.data)
        else:
            written = PostWriteSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        post = services.post_update(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            **_content(written.validated_data),
        )
        return self._answer(post)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a draft that never went out (its translation stays, as a post of its
        own); the archive keeps the deletion. Refused (409) for a post on the schedule
        or that has gone out."""
        services.post_delete(post=self.get_object(), actor=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ScheduleSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Schedule the post (or move it) to ``at``. Refused with every problem the
        networks would refuse it for, what the content rules block and, when scheduling
        approves the post, their warnings until ``acknowledge_warnings``, listed in
        ``errors``."""
        post = self.get_object()
        when = ScheduleSerializer(data=request.data)
        when.is_valid(raise_exception=True)
        post = services.post_schedule(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            at=when.validated_data["at"],
            acknowledge_warnings=when.validated_data["acknowledge_warnings"],
        )
        return self._answer(post)

    @extend_schema(request=PublishNowSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"], url_path="publish-now")
    def publish_now(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Publish the post now: scheduled for this moment, with the rules of
        ``schedule``."""
        post = self.get_object()
        asked = PublishNowSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        post = services.post_publish_now(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            acknowledge_warnings=asked.validated_data["acknowledge_warnings"],
        )
        return self._answer(post)

    @extend_schema(request=None, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def unschedule(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take the post off the schedule, back to draft."""
        post = services.post_unschedule(
            post=self.get_object(),
            actor=request.user,  # type: ignore[arg-type]
        )
        return self._answer(post)

    @extend_schema(request=None, responses={201: PostSerializer})
    @action(detail=True, methods=["post"])
    def translation(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Write the post's translation: a draft in the other official language for the
        same accounts, link, campaign and files, without text yet, linked to the post
        both ways; answer with it. The two are then scheduled together."""
        translation = services.post_translation_add(
            post=self.get_object(),
            actor=request.user,  # type: ignore[arg-type]
        )
        return self._answer(translation, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PostSerializer)
    @action(detail=True, methods=["post"], url_path="unlink-translation")
    def unlink_translation(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Undo the link between the post and its translation (while neither has started
        going out)."""
        post = services.post_translation_unlink(
            post=self.get_object(),
            actor=request.user,  # type: ignore[arg-type]
        )
        return self._answer(post)

    @extend_schema(request=TargetChoiceSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"], url_path="delete-from-network")
    def delete_from_network(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete the published post from one of its accounts on the network."""
        wanted = TargetChoiceSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        post = self.get_object()
        target = post.targets.filter(account_id=wanted.validated_data["account"]).first()
        if target is None:
            raise GovsocialError(_("This post does not go to that account."), field="account")
        services.target_delete(target=target, actor=request.user)  # type: ignore[arg-type]
        return self._answer(self.get_object())

    @extend_schema(request=AddToQueueSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def queue(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Schedule a draft at the next queue time free on all of its accounts (from
        ``not_before`` on, when given), with the rules of ``schedule``."""
        wanted = AddToQueueSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        post = services.post_add_to_queue(
            post=self.get_object(),
            actor=request.user,  # type: ignore[arg-type]
            not_before=wanted.validated_data["not_before"],
        )
        return self._answer(post)
