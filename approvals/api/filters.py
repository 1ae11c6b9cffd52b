"""The filters the lists of rounds and of emergency reviews share: one post's, or those
waiting for the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from accounts.models import ApiKey
from govsocial.api.parameters import AN_ID, bool_param, id_param

Row = TypeVar("Row", bound=Model)


def post_or_mine_parameters(*, of_post: str, mine: str) -> list[OpenApiParameter]:
    """Return how the schema describes ``post_or_mine``'s parameters: ``?post=`` (only
    ``of_post``) and ``?mine=`` (true: only ``mine``)."""
    return [
        OpenApiParameter("post", AN_ID, description=of_post),
        OpenApiParameter("mine", OpenApiTypes.BOOL, description=f"true: only {mine}"),
    ]


def post_or_mine(
    request: Request,
    rows: QuerySet[Row],
    waiting_for: Callable[[int, QuerySet[Row]], QuerySet[Row]],
) -> QuerySet[Row]:
    """Narrow ``rows`` to the post ``?post=`` names, and with ``?mine=true`` to those
    ``waiting_for`` the caller (none for an API key: keys neither decide nor review)."""
    post_id = id_param(request, "post")
    if post_id is not None:
        rows = rows.filter(post_id=post_id)
    if bool_param(request, "mine"):
        caller: Any = request.user
        if isinstance(caller, ApiKey):
            return rows.none()
        rows = waiting_for(caller.pk, rows)
    return rows
