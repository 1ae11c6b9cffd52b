from rest_framework.routers import SimpleRouter

from publishing.api.views import PublishingPauseViewSet, SocialAccountViewSet

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/accounts", SocialAccountViewSet, basename="socialaccount"
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/pauses", PublishingPauseViewSet, basename="pause"
)

urlpatterns = router.urls
