from django.urls import path

from publishing.views import accounts, pauses

urlpatterns = [
    # One fixed address per network, registered with the network's app settings.
    path("networks/<str:network>/callback/", accounts.network_callback, name="network_callback"),
    path("agencies/<slug:agency_slug>/accounts/", accounts.account_list, name="account_list"),
    path(
        "agencies/<slug:agency_slug>/accounts/connect/finish/",
        accounts.account_connect_finish,
        name="account_connect_finish",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/connect/bluesky/",
        accounts.account_connect_bluesky,
        name="account_connect_bluesky",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/connect/<str:network>/",
        accounts.account_connect_start,
        name="account_connect_start",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/<int:account_id>/check/",
        accounts.account_check,
        name="account_check",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/<int:account_id>/disconnect/",
        accounts.account_disconnect,
        name="account_disconnect",
    ),
    path(
        "agencies/<slug:agency_slug>/accounts/<int:account_id>/publishers/",
        accounts.account_publishers,
        name="account_publishers",
    ),
    path("agencies/<slug:agency_slug>/pause/", pauses.pause_page, name="pause_page"),
    path(
        "agencies/<slug:agency_slug>/pause/<int:pause_id>/resume/",
        pauses.pause_resume,
        name="pause_resume",
    ),
]
