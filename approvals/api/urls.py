from rest_framework.routers import SimpleRouter

from approvals.api.views import ApprovalChainViewSet

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/approval-chains",
    ApprovalChainViewSet,
    basename="approvalchain",
)

urlpatterns = router.urls
