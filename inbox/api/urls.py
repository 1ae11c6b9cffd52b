from rest_framework.routers import SimpleRouter

from inbox.api.views import InboxItemViewSet

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/inbox/items", InboxItemViewSet, basename="inboxitem"
)

urlpatterns = router.urls
