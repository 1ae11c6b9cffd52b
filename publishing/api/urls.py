from rest_framework.routers import SimpleRouter

from publishing.api.views import SocialAccountViewSet

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/accounts", SocialAccountViewSet, basename="socialaccount"
)

urlpatterns = router.urls
