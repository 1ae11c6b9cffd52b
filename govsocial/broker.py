"""A worker's way back to a broker that went away (restarted, or lost for a moment)."""

from __future__ import annotations

from functools import partial
from typing import Any

from celery.worker.consumer import Consumer

# Between tries to reach the broker again: kombu's own waits start at 2 s and grow by
# 2 s, so a broker back within a second held each worker's deliveries for 2 s or more.
RECONNECT = {"interval_start": 0.2, "interval_step": 0.2, "interval_max": 2.0}


class QuickConsumer(Consumer):
    """Celery's consumer, trying the broker again every fifth of a second at first, then
    less often, up to every 2 s (``CELERY_WORKER_CONSUMER``)."""

    def ensure_connected(self, conn: Any) -> Any:
        conn.ensure_connection = partial(conn.ensure_connection, **RECONNECT)
        return super().ensure_connected(conn)
