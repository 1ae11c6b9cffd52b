"""Every write of publishing, one module per subject: ``accounts`` (connecting network
accounts, their tokens, health and publishers), ``posts`` (writing, editing and
scheduling posts) and ``media`` (the media library)."""

from publishing.services.accounts import (
    account_connect,
    account_disconnect,
    account_health_check,
    account_publishers_set,
    account_refresh,
    account_require_publisher,
)
from publishing.services.media import media_alt_text_set, media_upload
from publishing.services.posts import (
    PostProblems,
    post_create,
    post_schedule,
    post_unschedule,
    post_update,
)

__all__ = [
    "PostProblems",
    "account_connect",
    "account_disconnect",
    "account_health_check",
    "account_publishers_set",
    "account_refresh",
    "account_require_publisher",
    "media_alt_text_set",
    "media_upload",
    "post_create",
    "post_schedule",
    "post_unschedule",
    "post_update",
]
