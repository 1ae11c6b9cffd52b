"""Every write of publishing, one module per subject: ``accounts`` (connecting network
accounts, their tokens, health and publishers), ``pauses`` (crisis pauses)."""

from publishing.services.accounts import (
    account_connect,
    account_disconnect,
    account_health_check,
    account_publishers_set,
    account_refresh,
    account_require_publisher,
)
from publishing.services.pauses import pause_end, pause_start, pauses_expire

__all__ = [
    "account_connect",
    "account_disconnect",
    "account_health_check",
    "account_publishers_set",
    "account_refresh",
    "account_require_publisher",
    "pause_end",
    "pause_start",
    "pauses_expire",
]
