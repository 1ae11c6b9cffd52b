from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.agency_switch, name="agency_switch"),
    path("settings/", views.user_settings, name="user_settings"),
    path("agencies/<slug:agency_slug>/", views.agency_home, name="agency_home"),
    path("agencies/<slug:agency_slug>/members/", views.members, name="members"),
    path("agencies/<slug:agency_slug>/security/", views.security_policy, name="security_policy"),
    path("agencies/<slug:agency_slug>/sign-on/", views.sign_on_settings, name="sign_on_settings"),
    path("agencies/<slug:agency_slug>/api-keys/", views.api_keys, name="api_keys"),
    path(
        "agencies/<slug:agency_slug>/api-keys/<int:key_pk>/revoke/",
        views.api_key_revoke,
        name="api_key_revoke",
    ),
    path(
        "agencies/<slug:agency_slug>/members/<int:membership_id>/",
        views.member_edit,
        name="member_edit",
    ),
    path(
        "agencies/<slug:agency_slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "agencies/<slug:agency_slug>/join/<str:token>/",
        views.invitation_accept,
        name="invitation_accept",
    ),
]
