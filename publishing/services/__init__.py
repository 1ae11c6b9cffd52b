"""Every write of publishing, one module per subject: ``accounts`` (connecting network
accounts, their tokens, health, pictures and publishers), ``posts`` (writing and
editing posts), ``scheduling`` (putting them on the schedule and off it),
``translations`` (a post's version in the other official language), ``queue`` (queue
slots and "Add to queue"), ``bulk`` (scheduling from a file), ``media`` (the media
library), ``pauses`` (crisis pauses) and ``delivery`` (sending posts to the networks
once, settling unknown outcomes, deleting them)."""

from publishing.services.accounts import (
    account_connect,
    account_disconnect,
    account_health_check,
    account_picture_keep,
    account_publishers_set,
    account_refresh,
    account_require_publisher,
)
from publishing.services.bulk import posts_import
from publishing.services.delivery import (
    target_comment,
    target_delete,
    target_reconcile,
    targets_publish,
)
from publishing.services.media import media_alt_text_set, media_upload
from publishing.services.pauses import pause_end, pause_start, pauses_expire
from publishing.services.posts import post_create, post_delete, post_update
from publishing.services.queue import post_add_to_queue, queue_slots_set
from publishing.services.scheduling import (
    PostProblems,
    TranslationNotReady,
    post_publish_now,
    post_schedule,
    post_unschedule,
)
from publishing.services.translations import post_translation_add, post_translation_unlink

__all__ = [
    "PostProblems",
    "TranslationNotReady",
    "account_connect",
    "account_disconnect",
    "account_health_check",
    "account_picture_keep",
    "account_publishers_set",
    "account_refresh",
    "account_require_publisher",
    "media_alt_text_set",
    "media_upload",
    "pause_end",
    "pause_start",
    "pauses_expire",
    "post_add_to_queue",
    "post_create",
    "post_delete",
    "post_publish_now",
    "post_schedule",
    "post_translation_add",
    "post_translation_unlink",
    "post_unschedule",
    "post_update",
    "posts_import",
    "queue_slots_set",
    "target_comment",
    "target_delete",
    "target_reconcile",
    "targets_publish",
]
