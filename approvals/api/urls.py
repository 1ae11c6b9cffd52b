from rest_framework.routers import SimpleRouter

from approvals.api.emergency import EmergencyReviewViewSet
from approvals.api.rounds import ApprovalViewSet
from approvals.api.views import ApprovalChainViewSet

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/approval-chains",
    ApprovalChainViewSet,
    basename="approvalchain",
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/approvals",
    ApprovalViewSet,
    basename="approval",
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/emergency-reviews",
    EmergencyReviewViewSet,
    basename="emergencyreview",
)

urlpatterns = router.urls
