from rest_framework.routers import SimpleRouter

from publishing.api.calendar import CalendarViewSet
from publishing.api.media import MediaAssetViewSet
from publishing.api.posts import PostViewSet
from publishing.api.views import PublishingPauseViewSet, SocialAccountViewSet

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/accounts", SocialAccountViewSet, basename="socialaccount"
)
router.register(r"agencies/(?P<agency_slug>[-\w]+)/posts", PostViewSet, basename="post")
router.register(r"agencies/(?P<agency_slug>[-\w]+)/media", MediaAssetViewSet, basename="mediaasset")
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/pauses", PublishingPauseViewSet, basename="pause"
)
router.register(r"agencies/(?P<agency_slug>[-\w]+)/calendar", CalendarViewSet, basename="calendar")

urlpatterns = router.urls
