from django.urls import path

from approvals import views

urlpatterns = [
    path(
        "agencies/<slug:agency_slug>/approvals/",
        views.approval_queue,
        name="approval_queue",
    ),
    path(
        "agencies/<slug:agency_slug>/approvals/posts/<int:post_id>/submit/",
        views.post_approval_submit,
        name="post_approval_submit",
    ),
    path(
        "agencies/<slug:agency_slug>/approvals/<int:approval_id>/decide/",
        views.approval_decide,
        name="approval_decide",
    ),
    path(
        "agencies/<slug:agency_slug>/approvals/posts/<int:post_id>/emergency/",
        views.post_emergency_publish,
        name="post_emergency_publish",
    ),
    path(
        "agencies/<slug:agency_slug>/approvals/emergency-reviews/<int:review_id>/close/",
        views.emergency_review_close,
        name="emergency_review_close",
    ),
    path(
        "agencies/<slug:agency_slug>/approvals/emergency-publishers/",
        views.emergency_publishers,
        name="emergency_publishers",
    ),
    path(
        "agencies/<slug:agency_slug>/approvals/chains/",
        views.approval_chain_list,
        name="approval_chain_list",
    ),
    path(
        "agencies/<slug:agency_slug>/approvals/chains/new/",
        views.approval_chain_new,
        name="approval_chain_new",
    ),
    path(
        "agencies/<slug:agency_slug>/approvals/chains/<int:chain_id>/edit/",
        views.approval_chain_edit,
        name="approval_chain_edit",
    ),
    path(
        "agencies/<slug:agency_slug>/approvals/chains/<int:chain_id>/delete/",
        views.approval_chain_delete,
        name="approval_chain_delete",
    ),
]
