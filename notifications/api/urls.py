from django.urls import path
from rest_framework.routers import SimpleRouter

from notifications.api.views import NotificationChoicesViewSet, NotificationViewSet

router = SimpleRouter()
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/notifications", NotificationViewSet, basename="notification"
)

urlpatterns = [
    *router.urls,
    path(
        "notification-choices/",
        NotificationChoicesViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="notification-choices",
    ),
]
