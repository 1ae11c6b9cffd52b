from rest_framework.routers import SimpleRouter

from inbox.api.views import InboxItemViewSet, PolicyClauseViewSet, SavedReplyViewSet

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/inbox/items", InboxItemViewSet, basename="inboxitem"
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/inbox/policy-clauses",
    PolicyClauseViewSet,
    basename="policyclause",
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/inbox/saved-replies",
    SavedReplyViewSet,
    basename="savedreply",
)

urlpatterns = router.urls
