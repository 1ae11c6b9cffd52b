from django.urls import path
from rest_framework.routers import SimpleRouter

from archive.api.views import ArchiveKeyViewSet, EventProofViewSet, HeadViewSet

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/heads", HeadViewSet, basename="archivehead"
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/archive/events", EventProofViewSet, basename="archiveevent"
)

urlpatterns = [
    *router.urls,
    path("archive/keys/", ArchiveKeyViewSet.as_view({"get": "list"}), name="archive-key-list"),
]
