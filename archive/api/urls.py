from django.urls import path
from rest_framework.routers import SimpleRouter

from archive.api.views import (
    ArchiveKeyViewSet,
    DispositionViewSet,
    EventProofViewSet,
    ExportPackageViewSet,
    HeadViewSet,
    HolidayViewSet,
    LegalHoldViewSet,
    OutsideArchiverViewSet,
    RecordsRequestViewSet,
    RedactionViewSet,
    RetentionScheduleViewSet,
)

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/heads", HeadViewSet, basename="archivehead"
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/events", EventProofViewSet, basename="archiveevent"
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/requests",
    RecordsRequestViewSet,
    basename="recordsrequest",
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/holidays", HolidayViewSet, basename="holiday"
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/redactions", RedactionViewSet, basename="redaction"
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/holds", LegalHoldViewSet, basename="legalhold"
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/packages",
    ExportPackageViewSet,
    basename="exportpackage",
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/retention",
    RetentionScheduleViewSet,
    basename="retentionschedule",
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/dispositions",
    DispositionViewSet,
    basename="disposition",
)

urlpatterns = [
    *router.urls,
    path("archive/keys/", ArchiveKeyViewSet.as_view({"get": "list"}), name="archive-key-list"),
    path(
        "agencies/<slug:agency_slug>/archive/outside-archiver/",
        OutsideArchiverViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="outsidearchiver-detail",
    ),
]
