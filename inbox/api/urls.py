from django.urls import path
from rest_framework.routers import SimpleRouter

from inbox.api.views import (
    CoverageViewSet,
    FiguresViewSet,
    InboxItemViewSet,
    InboxReplyViewSet,
    PolicyClauseViewSet,
    RoutingRuleViewSet,
    SavedReplyViewSet,
)

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/inbox/items", InboxItemViewSet, basename="inboxitem"
)
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/inbox/replies", InboxReplyViewSet, basename="inboxreply"
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
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/inbox/routing-rules",
    RoutingRuleViewSet,
    basename="routingrule",
)

urlpatterns = [
    *router.urls,
    path(
        "agencies/<slug:agency_slug>/inbox/coverage/",
        CoverageViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="inbox-coverage",
    ),
    path(
        "agencies/<slug:agency_slug>/inbox/figures/",
        FiguresViewSet.as_view({"get": "retrieve"}),
        name="inbox-figures",
    ),
]
