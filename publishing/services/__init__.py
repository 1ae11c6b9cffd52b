"""Every write of publishing, one module per subject: ``accounts`` (connecting network
accounts, their tokens, health and publishers), ``delivery`` (sending posts to the
networks once, settling unknown outcomes, deleting)."""

from publishing.services.accounts import (
    account_connect,
    account_disconnect,
    account_health_check,
    account_publishers_set,
    account_refresh,
    account_require_publisher,
)
from publishing.services.delivery import (
    content_hash,
    post_content,
    post_content_hash,
    target_delete,
    target_publish,
    target_reconcile,
)

__all__ = [
    "account_connect",
    "account_disconnect",
    "account_health_check",
    "account_publishers_set",
    "account_refresh",
    "account_require_publisher",
    "content_hash",
    "post_content",
    "post_content_hash",
    "target_delete",
    "target_publish",
    "target_reconcile",
]
