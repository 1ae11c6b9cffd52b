from django.urls import path

from inbox import views

urlpatterns = [
    path("agencies/<slug:agency_slug>/inbox/", views.inbox_list, name="inbox_list"),
    path(
        "agencies/<slug:agency_slug>/inbox/arrivals/",
        views.inbox_arrivals,
        name="inbox_arrivals",
    ),
    path("agencies/<slug:agency_slug>/inbox/<int:item_id>/", views.inbox_item, name="inbox_item"),
    path(
        "agencies/<slug:agency_slug>/inbox/<int:item_id>/files/<int:media_id>/",
        views.inbox_file,
        name="inbox_file",
    ),
    path("agencies/<slug:agency_slug>/inbox/policy/", views.policy_page, name="inbox_policy"),
    path("agencies/<slug:agency_slug>/inbox/routing/", views.routing_page, name="inbox_routing"),
    path("agencies/<slug:agency_slug>/inbox/coverage/", views.coverage_page, name="inbox_coverage"),
    path("agencies/<slug:agency_slug>/inbox/figures/", views.figures_page, name="inbox_figures"),
    path(
        "agencies/<slug:agency_slug>/inbox/saved-replies/",
        views.saved_replies_page,
        name="inbox_saved_replies",
    ),
]
