"""The calendar through the API: the agency's posts scheduled in a time range (with the
calendar's filters), the same as CSV, and scheduling many posts from a CSV file with
the page's rules (every row checked first; all or nothing)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from govsocial.api.exceptions import InvalidParameter
from govsocial.api.parsers import MultiPartParser
from govsocial.api.viewsets import AgencyScopedViewSet
from govsocial.timezones import MomentOutOfRange, moment_read, viewer_zone, zone_named
from publishing import selectors, services
from publishing.api.posts import FILTERS, post_filters
from publishing.api.serializers import (
    CalendarSerializer,
    PostSerializer,
    ScheduleImportSerializer,
)
from publishing.models import Post
from publishing.schedule_export import schedule_csv, schedule_entries
from publishing.services.bulk import schedule_file_read

# The longest range one request lists.
LONGEST_RANGE = timedelta(days=366)
RANGE = [
    OpenApiParameter(
        "start", OpenApiTypes.DATETIME, required=True, description="ISO 8601 with an offset"
    ),
    OpenApiParameter(
        "end", OpenApiTypes.DATETIME, required=True, description="ISO 8601 with an offset"
    ),
]


def _moment(request: Request, name: str) -> datetime:
    try:
        moment = moment_read(request.query_params.get(name, ""))
    except MomentOutOfRange as error:
        raise InvalidParameter(name, error.message, rule=True) from error
    if moment is None:
        raise InvalidParameter(
            name,
            _("Give “%(name)s” in ISO 8601 with its UTC offset, such as 2030-03-01T00:00:00-05:00.")
            % {"name": name},
        )
    return moment


class CalendarViewSet(AgencyScopedViewSet):
    """The agency's schedule: posts in a time range, each time in UTC and in the
    reader's zone (the person's own, else the agency's; an API key reads the
    agency's)."""

    model = Post
    serializer_class = CalendarSerializer
    # A range is at most 366 days, all of it in one answer: its posts and their zone.
    pagination_class = None
    lists_in_one_object = True

    def _zone(self) -> ZoneInfo:
        return viewer_zone(
            user_zone=getattr(self.request.user, "time_zone", ""),
            agency_zone=self.agency.time_zone,
        )

    def _entries(self, request: Request) -> list[dict[str, Any]]:
        start, end = _moment(request, "start"), _moment(request, "end")
        if not start < end <= start + LONGEST_RANGE:
            raise InvalidParameter(
                "end", _("“end” must come after “start”, at most 366 days after."), rule=True
            )
        posts: QuerySet[Post] = self.get_queryset()
        listed = selectors.calendar_schedule(
            posts=posts,
            start=start,
            end=end,
            **post_filters(request),
        )
        return schedule_entries(listed, zone=self._zone(), agency_slug=self.agency.slug)

    @extend_schema(parameters=[*RANGE, *FILTERS], responses=CalendarSerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List the posts scheduled from ``start`` up to ``end``, earliest first."""
        entries = self._entries(request)
        return Response({"time_zone": self._zone().key, "posts": entries})

    @extend_schema(
        parameters=[*RANGE, *FILTERS],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
    )
    @action(detail=False, methods=["get"], url_path="csv")
    def csv(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        """Give the same posts as CSV (the columns an import reads first)."""
        body = schedule_csv(self._entries(request))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="schedule-{self.agency.slug}.csv"'
        return response

    @extend_schema(
        request={"multipart/form-data": ScheduleImportSerializer},
        responses={201: PostSerializer(many=True)},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
    )
    def import_file(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Write and schedule one post per row of a CSV ``file`` (columns as on the
        calendar's import page). Refused with every problem in ``errors`` (row,
        column, message) when any row is wrong; then nothing is imported."""
        upload = ScheduleImportSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        rows = schedule_file_read(
            data=upload.validated_data["file"].read(),
            accounts=list(selectors.social_account_list()),
            zone=zone_named(self.agency.time_zone),
            actor=request.user,  # type: ignore[arg-type]
        )
        posts = services.posts_import(
            agency=self.agency,
            actor=request.user,  # type: ignore[arg-type]
            rows=rows,
        )
        in_order = sorted(posts, key=lambda post: (post.scheduled_at, post.pk))
        data = selectors.post_rows(post_ids=[post.pk for post in in_order])
        return Response(data, status=status.HTTP_201_CREATED)
