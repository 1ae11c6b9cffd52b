"""The archive through the API: the deployment's public keys, for anyone; an agency's
signed heads, the signing of a new one, the proofs of its log, its records requests and
their packages, for its records officers and admins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import InvalidPage
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import get_language
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
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from archive import exports, holds, records, redaction, requests, retention, signing, subjects
from archive.api.serializers import (
    ArchiveEventSerializer,
    ArchiveKeySerializer,
    ConsistencyProofSerializer,
    DispositionReviewSerializer,
    DispositionSerializer,
    ErasureSerializer,
    EventContextSerializer,
    EventQuerySerializer,
    ExportPackageSerializer,
    HeadSerializer,
    HoldLiftSerializer,
    HolidaySerializer,
    InclusionProofSerializer,
    LegalHoldSerializer,
    ObjectionRefusalSerializer,
    OutsideArchiverSerializer,
    PackageStartSerializer,
    ReasonSerializer,
    RecordsRequestSerializer,
    RedactionSerializer,
    RequestStatusSerializer,
    RestrictionChangeSerializer,
    RestrictionSerializer,
    RetentionScheduleSerializer,
    SavedSearchSerializer,
    ScheduleChangeSerializer,
    SuggestionSerializer,
    ThirdPartiesSerializer,
)
from archive.archiver import archiver_of, archiver_set
from archive.errors import ArchiveError
from archive.models import (
    ArchiveEvent,
    ArchiveHead,
    Disposition,
    ExportPackage,
    Holiday,
    LegalHold,
    OutsideArchiver,
    RecordsRequest,
    Redaction,
    RetentionSchedule,
    SavedSearch,
)
from archive.responses import content_response, package_response
from archive.selectors import consistency_document, inclusion_document
from archive.services import head_sign
from govsocial.api.exceptions import InvalidParameter
from govsocial.api.pagination import Pagination
from govsocial.api.parameters import AN_ID, id_param
from govsocial.api.problems import CONTENT_TYPE
from govsocial.api.schema import PROBLEM
from govsocial.api.viewsets import AgencyScopedViewSet, ApiViewSet
from govsocial.timezones import viewer_zone


class ArchiveKeyViewSet(ApiViewSet):
    """The public keys the deployment's heads are signed with: anyone may check a head."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    serializer_class = ArchiveKeySerializer
    pagination_class = None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List the current key and the retired ones whose heads still verify."""
        return Response(ArchiveKeySerializer(signing.published_keys(), many=True).data)


class ArchiveReaderViewSet(AgencyScopedViewSet):
    """An agency's archive, read by its records officers and admins only."""

    reader_roles = records.READERS

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.reader_refusal = _("Only the agency's records officers and admins read its archive.")
        super().initial(request, *args, **kwargs)

    def signed_head(self, request: Request, name: str) -> ArchiveHead | None:
        """Return the agency's head the query parameter ``name`` names, or None without it."""
        head_id = id_param(request, name)
        if head_id is None:
            return None
        head = ArchiveHead.objects.filter(agency=self.agency, pk=head_id).first()
        if head is None:
            raise InvalidParameter(
                name, _("The agency has no signed head with this id."), rule=True
            )
        return head


class HeadViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ArchiveReaderViewSet
):
    """The agency's signed heads, newest first; signing one now."""

    model = ArchiveHead
    serializer_class = HeadSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("timestamp").order_by("-signed_at")

    @extend_schema(request=None, responses={201: HeadSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Place the events that wait and sign the agency's log as it stands now."""
        with transaction.atomic():
            head = head_sign(agency_id=self.agency.pk)
        return Response(HeadSerializer(head).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "to", AN_ID, required=True, description="the id of a later head, as large or larger"
            )
        ],
        responses=ConsistencyProofSerializer,
    )
    @action(detail=True, methods=["get"])
    def consistency(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Prove that the log as head ``to`` has it extends the log as this head has it."""
        later = self.signed_head(request, "to")
        if later is None:
            raise InvalidParameter("to", _("Name the later head with “to”."))
        try:
            document = consistency_document(first=self.get_object(), second=later)
        except ArchiveError as error:
            raise InvalidParameter("to", error.message, rule=True) from None
        return Response(ConsistencyProofSerializer(document).data)


class FoundEventPagination(Pagination):
    """Pages of the events a search found, paged as the Records section pages them (a
    search by words or person ordered and cut beside the log, a page reading only its
    own events), and counted whole."""

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        self.request = request
        per_page = self.get_page_size(request)
        if per_page is None:
            return None
        criteria = view.criteria if isinstance(view, EventProofViewSet) else None
        pages = records.FoundPages(criteria, per_page, count_all=True)
        number = self.get_page_number(request, pages)
        try:
            self.page = pages.page(number)
        except InvalidPage as error:
            message = self.invalid_page_message.format(page_number=number, message=str(error))
            raise NotFound(message) from error
        return list(self.page)


@extend_schema_view(list=extend_schema(parameters=[EventQuerySerializer]))
class EventProofViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveReaderViewSet):
    """The agency's recorded events, newest first, searched as the Records section
    searches them; and the proof that one is in its log."""

    model = ArchiveEvent
    serializer_class = ArchiveEventSerializer
    pagination_class = FoundEventPagination
    # The list's search (``event_search``'s criteria), read from the query.
    criteria: dict[str, Any] | None = None

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        query = EventQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        chosen = dict(query.validated_data)
        self.criteria = {"words": chosen.pop("q", "")} | chosen
        return records.event_search(**self.criteria)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "head", AN_ID, description="a signed head's id (default: the latest one)"
            )
        ],
        responses=InclusionProofSerializer,
    )
    @action(detail=True, methods=["get"])
    def proof(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Prove that the event is in the log as a signed head has it."""
        event = self.get_object()
        head = self.signed_head(request, "head") or self._latest_head_with(event)
        try:
            document = inclusion_document(event=event, head=head)
        except ArchiveError as error:
            raise InvalidParameter("head", error.message, rule=True) from None
        return Response(InclusionProofSerializer(document).data)

    @extend_schema(responses=EventContextSerializer)
    @action(detail=True, methods=["get"])
    def context(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """What the event belongs to, as the record's page shows it: the history of its
        object, of what that is part of, and the conversation it belongs to."""
        context = records.event_context(event=self.get_object())
        return Response(EventContextSerializer(context).data)

    def _latest_head_with(self, event: ArchiveEvent) -> ArchiveHead:
        head = records.head_with(event)
        if head is None:
            raise ArchiveError(
                _(
                    "The event is in no signed head yet: sign one (POST to the agency's"
                    " archive/heads/) or wait for the hourly signing."
                )
            )
        return head


class RecordsRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ArchiveReaderViewSet
):
    """The agency's records requests, open ones first and soonest due first, with the
    searches saved on each."""

    model = RecordsRequest
    serializer_class = RecordsRequestSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return (
            queryset.select_related("opened_by")
            .prefetch_related("searches__saved_by")
            .order_by("-status", "due_on", "id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open a request: numbered in the year it was received, due as its kind says."""
        sent = RecordsRequestSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        made = requests.request_open(
            agency=self.agency, actor=request.user, person=self.person(), **sent.validated_data
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=made.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=RequestStatusSerializer, responses=RecordsRequestSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark the request answered or withdrawn, or open it again."""
        sent = RequestStatusSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        changed = requests.request_status_set(
            request=self.get_object(), actor=request.user, status=sent.validated_data["status"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=changed.pk)).data)

    @extend_schema(request=SavedSearchSerializer, responses={201: SavedSearchSerializer})
    @action(detail=True, methods=["post"])
    def searches(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Keep a search of the archive on the (open) request."""
        sent = SavedSearchSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        saved = requests.search_save(
            request=self.get_object(),
            actor=request.user,
            person=self.person(),
            name=sent.validated_data["name"],
            criteria=sent.validated_data["criteria"],
        )
        return Response(SavedSearchSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ErasureSerializer)
    @action(detail=True, methods=["get", "post"])
    def erasure(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """For a request to erase personal data: GET says, by series, what its saved
        searches find and what carrying it out would erase (``done`` false), or did
        (``done`` true); POST carries it out — the content of what the law does not keep
        and no legal hold finds is erased from the archive, its search and the inbox,
        every proof kept — and answers the request."""
        found = self.get_object()
        if request.method == "POST":
            subjects.erasure_carry_out(request=found, actor=self.actor())
        shown = subjects.erasure_shown(request=found)
        if shown is None:
            raise InvalidParameter(
                "id",
                _("Only a request to erase personal data, with a search saved on it, erases."),
                rule=True,
            )
        rows, done = shown
        return Response(ErasureSerializer({"done": done, "series": rows}).data)

    @extend_schema(request=ReasonSerializer, responses=RecordsRequestSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Give an open request about a person's data two more months (GDPR Art. 12(3)),
        with the ``reason`` told to the person; once, before its day (409 otherwise)."""
        sent = ReasonSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        extended = requests.request_extend(
            request=self.get_object(), actor=self.actor(), reason=sent.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=extended.pk)).data)

    @extend_schema(request=ObjectionRefusalSerializer, responses=RecordsRequestSerializer)
    @action(detail=True, methods=["post"], url_path="objection-refusal")
    def objection_refusal(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Refuse an open objection to processing for the compelling legitimate
        ``grounds`` (GDPR Art. 21(1)), and answer it; uphold one with ``/restriction/``."""
        sent = ObjectionRefusalSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        found = self.get_object()
        subjects.objection_refuse(
            request=found, actor=self.actor(), grounds=sent.validated_data["grounds"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=found.pk)).data)

    @extend_schema(request=RestrictionChangeSerializer, responses=RestrictionSerializer)
    @action(detail=True, methods=["get", "post"])
    def restriction(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """For a request to restrict processing, or an objection to it: GET says whether
        its restriction stands; POST ``{"apply": true}`` restricts what its saved searches
        find (only records officers then see the person's inbox items; they are not
        answered, moderated or counted) and answers the request — for an objection, it
        is upheld —, ``{"apply": false, "reason": …}`` lifts it."""
        found = self.get_object()
        if subjects.restriction_standing(request=found) is None:
            raise InvalidParameter(
                "id",
                _("Only a request to restrict processing, or an objection, stops it."),
                rule=True,
            )
        if request.method == "POST":
            sent = RestrictionChangeSerializer(data=request.data)
            sent.is_valid(raise_exception=True)
            if sent.validated_data["apply"]:
                subjects.restriction_apply(request=found, actor=self.actor())
            else:
                subjects.restriction_lift(
                    request=found, actor=self.actor(), reason=sent.validated_data["reason"]
                )
        standing = subjects.restriction_standing(request=found)
        return Response(RestrictionSerializer({"standing": standing}).data)

    @extend_schema(responses=SuggestionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def suggestions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """What looks like personal data in the records the request's saved searches find
        (the first 20,000), the most frequent first, less what is redacted already."""
        shown = redaction.review(self.get_object(), read=redaction.SUGGESTIONS_READ).suggestions
        return Response(SuggestionSerializer(shown, many=True).data)

    @extend_schema(request=None, responses=ThirdPartiesSerializer)
    @action(detail=True, methods=["post"], url_path="third-parties")
    def third_parties(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """In a person's access request, redact (GDPR Art. 15(4)) every suggestion that is
        not the person the request's searches name; 409 for another kind of request."""
        marked = redaction.third_parties_mark(
            request=self.get_object(), actor=self.actor(), person=self.person()
        )
        return Response(ThirdPartiesSerializer({"marked": marked}).data)

    @extend_schema(methods=["get"], request=None, responses=ExportPackageSerializer(many=True))
    @extend_schema(
        methods=["post"], request=PackageStartSerializer, responses={202: ExportPackageSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def packages(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The request's records packages, newest first; POST asks for one of what its
        saved searches find, built in the background (their days read in the time zone
        of the person it is credited to, else the agency's; its pages in the request's
        language): follow it at ``/archive/packages/{id}/`` until it is ready. A
        ``released`` copy leaves out what the request's redactions keep out. One
        package of a request is built at a time."""
        found = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            listed = _packages_shown(found.packages.all())
            return Response(ExportPackageSerializer(listed, many=True, context=context).data)
        # Its options come as JSON; a POST without them asks for the complete package.
        given = request.data if request.content_type.startswith("application/json") else {}
        sent = PackageStartSerializer(data=given)
        sent.is_valid(raise_exception=True)
        person = self.person()
        package = exports.package_start(
            request=found,
            actor=self.actor(),
            person=person,
            time_zone=viewer_zone(
                user_zone=person.time_zone, agency_zone=self.agency.time_zone
            ).key,
            language=get_language(),
            released=sent.validated_data["released"],
        )
        started = _packages_shown(ExportPackage.objects.filter(pk=package.pk)).get()
        return Response(
            ExportPackageSerializer(started, context=context).data,
            status=status.HTTP_202_ACCEPTED,
        )


class HolidayViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, ArchiveReaderViewSet
):
    """The days the agency does not count in public-records deadlines."""

    model = Holiday
    serializer_class = HolidaySerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.order_by("day")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a holiday (for requests opened from now on)."""
        sent = HolidaySerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        made = requests.holiday_add(agency=self.agency, actor=request.user, **sent.validated_data)
        return Response(HolidaySerializer(made).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Count the day as a working day again (for requests opened from now on)."""
        requests.holiday_remove(holiday=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LegalHoldViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ArchiveReaderViewSet
):
    """The agency's legal holds, standing ones first: while one stands, nothing its
    saved search finds (now and as it arrives) can be erased or disposed of."""

    model = LegalHold
    serializer_class = LegalHoldSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return holds.holds_shown(queryset)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Hold what one of the agency's saved searches finds, with the reason."""
        sent = LegalHoldSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        search = SavedSearch.objects.filter(pk=sent.validated_data["search_id"]).first()
        if search is None:
            raise InvalidParameter(
                "search", _("The agency has no saved search with this id."), rule=True
            )
        hold = holds.hold_place(
            search=search,
            actor=self.actor(),
            person=self.person(),
            reason=sent.validated_data["reason"],
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=hold.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=HoldLiftSerializer, responses=LegalHoldSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Lift the standing hold, with the reason."""
        sent = HoldLiftSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        lifted = holds.hold_lift(
            hold=self.get_object(),
            actor=self.actor(),
            person=self.person(),
            reason=sent.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=lifted.pk)).data)


class RedactionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ArchiveReaderViewSet,
):
    """What the agency's requests' released copies keep out (``?request=`` one request's),
    in the order marked; redact, or take a redaction back (later copies show it)."""

    model = Redaction
    serializer_class = RedactionSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        shown = queryset.select_related("request", "marked_by").order_by("marked_at", "id")
        wanted = id_param(self.request, "request")
        return shown if wanted is None else shown.filter(request_id=wanted)

    @extend_schema(parameters=[OpenApiParameter("request", AN_ID, description="a request's id")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Redact words, or an area of a kept image, in a request's released copies."""
        sent = RedactionSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        given = sent.validated_data
        found = RecordsRequest.objects.filter(pk=given["request_id"]).first()
        if found is None:
            raise InvalidParameter(
                "request", _("The agency has no records request with this id."), rule=True
            )
        box = [given.get(name) for name in ("left", "top", "width", "height")]
        marked = redaction.redaction_mark(
            request=found,
            actor=self.actor(),
            person=self.person(),
            reason=given["reason"],
            words=given.get("words", ""),
            image=given.get("image", ""),
            area=None if None in box else redaction.Area(*box),
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=marked.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take the redaction back: released copies asked for later show what it hid."""
        redaction.redaction_remove(redaction=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _packages_shown(packages: QuerySet[ExportPackage]) -> QuerySet[ExportPackage]:
    """Return ``packages`` (newest first, as the model orders them) with the rows their
    answer shows."""
    return packages.select_related("request", "requested_by")


class ExportPackageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveReaderViewSet):
    """The agency's records packages, newest first (asked for on a request:
    ``/archive/requests/{id}/packages/``), and the download of a ready one."""

    model = ExportPackage
    serializer_class = ExportPackageSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return _packages_shown(queryset)

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The package, a ZIP in BagIt layout."
            ),
            (409, CONTENT_TYPE): OpenApiResponse(
                PROBLEM, description="The package is not ready, or its time is past."
            ),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        """Download the ready package (each download is recorded); refused (409) before
        it is ready and once its time is past."""
        return package_response(package=self.get_object(), actor=self.actor())


class RetentionScheduleViewSet(ArchiveReaderViewSet):
    """How long each series of the agency's records is kept; its admins change it."""

    model = RetentionSchedule
    serializer_class = RetentionScheduleSerializer
    pagination_class = None
    lookup_field = "series"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every series' schedule, with its default and where that comes from."""
        return Response(self.get_serializer(retention.schedules(), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One series' schedule."""
        return Response(self.get_serializer(self._schedule(kwargs["series"])).data)

    def _schedule(self, series: str) -> retention.Schedule:
        found = retention.schedule_of(series)
        if found is None:
            raise Http404
        return found

    @extend_schema(request=ScheduleChangeSerializer, responses=RetentionScheduleSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Keep the series' records this many days after each, or for good (null);
        admins only. Recorded."""
        if "admin" not in self.roles:
            raise PermissionDenied(_("Only the agency's admins change how long records are kept."))
        self._schedule(kwargs["series"])
        sent = ScheduleChangeSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        schedule = retention.schedule_set(
            agency=self.agency,
            actor=self.actor(),
            person=self.person(),
            series=kwargs["series"],
            keep_days=sent.validated_data["keep_days"],
        )
        return Response(self.get_serializer(schedule).data)


class DispositionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveReaderViewSet):
    """The agency's dispositions, newest first: proposed each day where a schedule makes
    records due, run once a records officer approves, each with its signed certificate."""

    model = Disposition
    serializer_class = DispositionSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("reviewed_by")

    @extend_schema(request=DispositionReviewSerializer, responses=DispositionSerializer)
    @action(detail=True, methods=["post"])
    def run(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Approve the proposed disposition, after review: it runs in the background."""
        return self._reviewed(request, retention.disposition_approve)

    @extend_schema(request=DispositionReviewSerializer, responses=DispositionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel the proposed disposition, saying why (``note``)."""
        return self._reviewed(request, retention.disposition_cancel)

    def _reviewed(self, request: Request, review: Any) -> Response:
        sent = DispositionReviewSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        disposition = self.get_object()
        review(
            disposition=disposition,
            actor=self.actor(),
            person=self.person(),
            note=sent.validated_data["note"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=disposition.pk)).data)

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The certificate of disposition, signed with the archive's key.",
            ),
            (404, CONTENT_TYPE): OpenApiResponse(PROBLEM, description="It is not made yet."),
        }
    )
    @action(detail=True, methods=["get"])
    def certificate(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        """Download the signed certificate of the disposition, once it has run."""
        disposition = self.get_object()
        if not disposition.certificate:
            raise Http404
        return content_response(
            sha256=disposition.certificate,
            filename=f"disposition-{disposition.pk}-certificate.json",
        )


class OutsideArchiverViewSet(ArchiveReaderViewSet):
    """The archiving service the agency also uses, which gets a copy of every month's
    records; its admins name it and turn the copies on or off."""

    model = OutsideArchiver
    serializer_class = OutsideArchiverSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The agency's outside archiver (404 when none is named)."""
        archiver = archiver_of()
        if archiver is None:
            raise Http404
        return Response(self.get_serializer(archiver).data)

    @extend_schema(request=OutsideArchiverSerializer, responses=OutsideArchiverSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Name the service and turn its monthly copies on or off; admins only."""
        if "admin" not in self.roles:
            raise PermissionDenied(_("Only the agency's admins choose an outside archiver."))
        sent = OutsideArchiverSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        archiver = archiver_set(
            agency=self.agency,
            actor=self.actor(),
            person=self.person(),
            name=sent.validated_data["name"],
            active=sent.validated_data["active"],
        )
        return Response(self.get_serializer(archiver).data)
