from django.urls import path

from publishing import views

urlpatterns = [
    # One fixed address per network, registered with the network's app settings.
    path("networks/<str:network>/callback/", views.network_callback, name="network_callback"),
    path("agencies/<slug:agency_slug>/accounts/", views.account_list, name="account_list"),
    path(
        "agencies/<slug:agency_slug>/accounts/connect/finish/",
        views.account_connect_finish,
        name="account_connect_finish",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/connect/bluesky/",
        views.account_connect_bluesky,
        name="account_connect_bluesky",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/connect/<str:network>/",
        views.account_connect_start,
        name="account_connect_start",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/<int:account_id>/check/",
        views.account_check,
        name="account_check",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/<int:account_id>/disconnect/",
        views.account_disconnect,
        name="account_disconnect",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/<int:account_id>/publishers/",
        views.account_publishers,
        name="account_publishers",
    ),
]
