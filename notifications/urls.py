from django.urls import path

from notifications import views

urlpatterns = [
    path("settings/notifications/", views.notification_choices, name="notification_choices"),
    path(
        "agencies/<slug:agency_slug>/notifications/",
        views.notification_list,
        name="notification_list",
    ),
    path(
        "agencies/<slug:agency_slug>/notifications/read/",
        views.notifications_read,
        name="notifications_read",
    ),
    path(
        "agencies/<slug:agency_slug>/notifications/<int:notification_id>/",
        views.notification_open,
        name="notification_open",
    ),
]
