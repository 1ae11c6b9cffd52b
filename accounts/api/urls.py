from rest_framework.routers import SimpleRouter

from accounts.api.views import InvitationViewSet, MemberViewSet, MyAgencyViewSet

router = SimpleRouter()
router.register("agencies", MyAgencyViewSet, basename="my-agency")
router.register(r"agencies/(?P<agency_slug>[-\w]+)/members", MemberViewSet, basename="member")
router.register(
    r"agencies/(?P<agency_slug>[-\w]+)/invitations", InvitationViewSet, basename="invitation"
)

urlpatterns = router.urls
