"""The URL map: pages, sign-in, the API and its documentation, the health check."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import SignInView
from govsocial.api.problems import problem_type_detail
from govsocial.health import healthz
from inbox.webhooks import meta_webhook

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("webhooks/meta/", meta_webhook, name="meta_webhook"),
    # Ahead of allauth's own: the same page, plus routing to an agency's single sign-on.
    path("accounts/login/", SignInView.as_view()),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, as the CSP requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/problems/<slug:code>/", problem_type_detail, name="api-problem-type"),
    path("api/", include("accounts.api.urls")),
    path("api/", include("publishing.api.urls")),
    path("api/", include("approvals.api.urls")),
    path("api/", include("archive.api.urls")),
    path("api/", include("inbox.api.urls")),
    path("api/", include("notifications.api.urls")),
    path("", include("publishing.urls")),
    path("", include("approvals.urls")),
    path("", include("accounts.urls")),
    path("", include("archive.urls")),
    path("", include("inbox.urls")),
    path("", include("notifications.urls")),
    # The demo's mailbox (make run): answers 404 unless DEMO_MAILBOX names its folder.
    path("", include("govsocial.demo_mailbox.urls")),
]

# Under /api/ these answer problem documents; elsewhere, the site's pages.
handler400 = "govsocial.api.problems.bad_request"
handler404 = "govsocial.api.problems.not_found"
handler500 = "govsocial.api.problems.server_error"
