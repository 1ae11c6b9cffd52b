from django.urls import path
from rest_framework.routers import SimpleRouter

from approvals.api.comments import PostCommentViewSet
from approvals.api.emergency import EmergencyReviewViewSet
from approvals.api.rounds import ApprovalViewSet
from approvals.api.views import ApprovalChainViewSet, BlackoutPeriodViewSet, ContentRulesViewSet

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
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/post-comments",
    PostCommentViewSet,
    basename="postcomment",
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/blackout-periods",
    BlackoutPeriodViewSet,
    basename="blackoutperiod",
)

urlpatterns = [
    *router.urls,
    # One object per agency: read and replaced where it is, no id.
    path(
        "agencies/<slug:agency_slug>/content-rules/",
        ContentRulesViewSet.as_view({"get": "read", "put": "replace"}),
        name="content-rules",
    ),
]
