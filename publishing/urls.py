from django.urls import path

from publishing.views import accounts, calendar, imports, media, pauses, posts, queue

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
        "agencies/<slug:agency_slug>/accounts/<int:account_id>/picture/<str:digest>.png",
        accounts.account_picture,
        name="account_picture",
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
    path("agencies/<slug:agency_slug>/posts/", posts.post_list, name="post_list"),
    path("agencies/<slug:agency_slug>/posts/new/", posts.post_new, name="post_new"),
    path("agencies/<slug:agency_slug>/posts/several/", posts.posts_act, name="posts_act"),
    path("agencies/<slug:agency_slug>/posts/check/", posts.post_check, name="post_check"),
    path("agencies/<slug:agency_slug>/posts/autosave/", posts.post_autosave, name="post_autosave"),
    path("agencies/<slug:agency_slug>/posts/<int:post_id>/", posts.post_detail, name="post_detail"),
    path(
        "agencies/<slug:agency_slug>/posts/<int:post_id>/delivery/",
        posts.post_delivery,
        name="post_delivery",
    ),
    path(
        "agencies/<slug:agency_slug>/posts/<int:post_id>/edit/", posts.post_edit, name="post_edit"
    ),
    path(
        "agencies/<slug:agency_slug>/posts/<int:post_id>/targets/<int:target_id>/delete/",
        posts.post_target_delete,
        name="post_target_delete",
    ),
    path(
        "agencies/<slug:agency_slug>/posts/<int:post_id>/delete/",
        posts.post_delete,
        name="post_delete",
    ),
    path(
        "agencies/<slug:agency_slug>/posts/<int:post_id>/unschedule/",
        posts.post_unschedule,
        name="post_unschedule",
    ),
    path(
        "agencies/<slug:agency_slug>/posts/<int:post_id>/translation/",
        posts.post_translation_add,
        name="post_translation_add",
    ),
    path(
        "agencies/<slug:agency_slug>/posts/<int:post_id>/translation/unlink/",
        posts.post_translation_unlink,
        name="post_translation_unlink",
    ),
    path(
        "agencies/<slug:agency_slug>/posts/<int:post_id>/move/",
        calendar.post_move,
        name="post_move",
    ),
    path(
        "agencies/<slug:agency_slug>/posts/<int:post_id>/queue/",
        queue.post_add_to_queue,
        name="post_add_to_queue",
    ),
    path("agencies/<slug:agency_slug>/calendar/", calendar.calendar_page, name="calendar"),
    path(
        "agencies/<slug:agency_slug>/calendar/export/",
        calendar.calendar_export,
        name="calendar_export",
    ),
    path(
        "agencies/<slug:agency_slug>/calendar/import/",
        imports.schedule_import,
        name="schedule_import",
    ),
    path("agencies/<slug:agency_slug>/queue/", queue.queue_slot_list, name="queue_slot_list"),
    path(
        "agencies/<slug:agency_slug>/queue/<int:account_id>/",
        queue.queue_slot_edit,
        name="queue_slot_edit",
    ),
    path("agencies/<slug:agency_slug>/media/", media.media_list, name="media_list"),
    path("agencies/<slug:agency_slug>/media/<int:asset_id>/", media.media_file, name="media_file"),
    path(
        "agencies/<slug:agency_slug>/media/<int:asset_id>/shared/<str:token>/",
        media.media_shared,
        name="media_shared",
    ),
    path("agencies/<slug:agency_slug>/pause/", pauses.pause_page, name="pause_page"),
    path(
        "agencies/<slug:agency_slug>/pause/<int:pause_id>/resume/",
        pauses.pause_resume,
        name="pause_resume",
    ),
]
