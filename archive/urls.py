from django.urls import path

from archive import views

urlpatterns = [
    path("archive/keys/", views.key_list, name="archive_keys"),
    path("agencies/<slug:agency_slug>/records/", views.record_search, name="record_search"),
    path(
        "agencies/<slug:agency_slug>/records/<int:event_id>/",
        views.record_detail,
        name="record_detail",
    ),
    path(
        "agencies/<slug:agency_slug>/records/searches/",
        views.record_search_save,
        name="record_search_save",
    ),
    path(
        "agencies/<slug:agency_slug>/records/requests/",
        views.records_requests,
        name="records_requests",
    ),
    path(
        "agencies/<slug:agency_slug>/records/requests/<int:request_id>/",
        views.records_request,
        name="records_request",
    ),
    path(
        "agencies/<slug:agency_slug>/records/requests/<int:request_id>/packages/",
        views.records_request_packages,
        name="records_request_packages",
    ),
    path(
        "agencies/<slug:agency_slug>/records/requests/<int:request_id>/redaction/",
        views.records_redaction,
        name="records_redaction",
    ),
    path("agencies/<slug:agency_slug>/records/holds/", views.records_holds, name="records_holds"),
    path(
        "agencies/<slug:agency_slug>/records/holds/<int:hold_id>/lift/",
        views.records_hold_lift,
        name="records_hold_lift",
    ),
    path(
        "agencies/<slug:agency_slug>/records/retention/",
        views.records_retention,
        name="records_retention",
    ),
    path(
        "agencies/<slug:agency_slug>/records/retention/schedules/",
        views.records_schedule_set,
        name="records_schedule_set",
    ),
    path(
        "agencies/<slug:agency_slug>/records/retention/archiver/",
        views.records_archiver_set,
        name="records_archiver_set",
    ),
    path(
        "agencies/<slug:agency_slug>/records/dispositions/",
        views.records_dispositions,
        name="records_dispositions",
    ),
    path(
        "agencies/<slug:agency_slug>/records/dispositions/<int:disposition_id>/review/",
        views.records_disposition_review,
        name="records_disposition_review",
    ),
    path(
        "agencies/<slug:agency_slug>/records/packages/<int:package_id>/",
        views.records_package_download,
        name="records_package_download",
    ),
    path(
        "agencies/<slug:agency_slug>/records/content/<str:sha256>/",
        views.record_content,
        name="record_content",
    ),
]
