"""The conversation about a post's approval through the API: list a post's messages,
and add one (people only: an API key reads but does not write, 403)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from approvals import comments
from approvals.api.serializers import PostCommentSerializer
from approvals.models import PostComment
from govsocial.api.parameters import AN_ID, id_param
from govsocial.api.viewsets import AgencyScopedViewSet
from govsocial.errors import NotFound
from publishing.selectors import post_get


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("post", AN_ID, description="the messages of this post only")]
    )
)
class PostCommentViewSet(mixins.ListModelMixin, AgencyScopedViewSet):
    """Messages about posts' approval, oldest first: every member reads them; authors,
    approvers and admins write."""

    model = PostComment
    serializer_class = PostCommentSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        messages = queryset.select_related("written_by").order_by("written_at", "pk")
        post_id = id_param(self.request, "post")
        return messages if post_id is None else messages.filter(post_id=post_id)

    @extend_schema(request=PostCommentSerializer, responses={201: PostCommentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a message to the conversation about a post; the others taking part are
        emailed. Refused: no text, and anyone but an author, approver or admin (an API
        key too: 403)."""
        written = PostCommentSerializer(data=request.data)
        written.is_valid(raise_exception=True)
        post = post_get(post_id=written.validated_data["post"])
        if post is None:
            raise NotFound(_("There is no such post."), field="post")
        comment = comments.post_comment(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            text=written.validated_data["text"],
        )
        return Response(PostCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
