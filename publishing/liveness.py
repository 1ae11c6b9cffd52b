"""A delivery worker's proof of life: a session advisory lock on a key of its own, held
on a database connection of its own for as long as the process lives.

The worker stamps its key on each target it claims. When the process dies, however it
dies, PostgreSQL ends its session and the lock with it, so whoever checks on a target
still "sending" knows that nothing more can leave for it, without waiting out the
longest time a send could take (``Unanswered``).

The other way round holds too: a worker whose session ended while it lives (the
database restarted, the connection cut) must not start a call that publishes for a
target stamped with that key, since the target may be taken as its dead worker's. A
thread asks the session for an answer every ``PING_SECONDS``; a call starts only
within ``FRESH_SECONDS`` of asking for the last answer that came (``holds``), and an
answer comes only while the session, and so the lock, lives. So every call for a
stamped target starts before its worker's lock was seen free plus ``FRESH_SECONDS``.
A session that ended is replaced by a new one with a new key, for the targets claimed
from then on.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import psycopg
from django.db import connection, connections

logger = logging.getLogger(__name__)

# How often the worker's session is asked for an answer, and how long after asking
# for the last answer the worker still starts a call that publishes: a few answers
# may come late on a busy machine before a send is refused for it.
PING_SECONDS = 1.0
FRESH_SECONDS = 5.0
# The longest wait for an answer or a new session.
ANSWER_TIMEOUT_SECONDS = 5


class Liveness:
    """Hold this process's lock and say whether it still holds it."""

    def __init__(self) -> None:
        self._session: psycopg.Connection[Any] | None = None
        self._key: int | None = None
        self._answered_at = 0.0
        self._guard = threading.Lock()
        self._keeper: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        """Take a lock and keep it from a thread of its own (a worker starting)."""
        with self._guard:
            if self._keeper is not None:
                return
            self._stopping.clear()
            self._keeper = threading.Thread(target=self._keep_forever, name="liveness", daemon=True)
        self._keeper.start()

    def stop(self) -> None:
        """Give the lock up (a worker stopping with no send in flight): its targets are
        known at once to have nothing more coming."""
        with self._guard:
            keeper, self._keeper = self._keeper, None
        if keeper is None:
            return
        self._stopping.set()
        keeper.join()
        self._drop()

    def key(self) -> int | None:
        """Return the key to stamp on a target claimed now, or None when the lock is
        not known to be held (the target is then checked on as before any lock)."""
        with self._guard:
            fresh = time.monotonic() - self._answered_at < FRESH_SECONDS
            return self._key if fresh else None

    def holds(self, key: int) -> bool:
        """Say whether a call for a target stamped with ``key`` may start now."""
        return key == self.key()

    def _keep_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                self._keep()
            except psycopg.Error as error:
                logger.warning("the worker's proof of life was lost (%s); taking a new one", error)
                self._drop()
            self._stopping.wait(PING_SECONDS)

    def _keep(self) -> None:
        if self._session is None:
            session = psycopg.connect(**_session_parameters(), autocommit=True)
            key = secrets.randbits(62) + 1
            session.execute("SELECT pg_advisory_lock(%s)", [key])
            with self._guard:
                self._session, self._key = session, key
        # Reckoned from the asking: the session held the lock when it answered, after
        # that. It is asked whether it holds it, not merely whether it answers: behind a
        # pooler that hands each statement to any server session, the lock would stay
        # with a session the worker no longer uses, and outlive it or die without it.
        asked = time.monotonic()
        holders = self._session.execute(_HOLDERS, {"key": self._key}).fetchall()
        if (self._session.info.backend_pid,) not in holders:
            raise psycopg.OperationalError("the session no longer holds the worker's lock")
        with self._guard:
            self._answered_at = asked

    def _drop(self) -> None:
        with self._guard:
            session, self._session, self._key = self._session, None, None
        if session is not None:
            session.close()


# The sessions (their process ids) holding a key's lock, as ``pg_locks`` shows it: a
# one-number advisory lock is shown as its high and low 32 bits.
_HOLDERS = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND classid = (%(key)s >> 32)::oid AND objid = (%(key)s & 4294967295)::oid"
)


def still_holds(key: int | None) -> Callable[[], bool] | None:
    """Return what says whether a call for a target stamped with ``key`` may start (see
    ``writes_start_by``), or None for a target stamped with no key."""
    return None if key is None else partial(liveness.holds, key)


def holders(key: int) -> list[int]:
    """Return the database sessions (their process ids) holding ``key``'s lock: the
    worker that stamped it, while it lives."""
    with connection.cursor() as cursor:
        cursor.execute(_HOLDERS, {"key": key})
        return [pid for (pid,) in cursor.fetchall()]


def sender_gone(key: int) -> bool:
    """Say whether the worker that stamped ``key`` is gone: nobody holds its lock."""
    return not holders(key)


def _session_parameters() -> dict[str, Any]:
    """Return how to reach the app's database, for a session apart from Django's."""
    parameters = dict(connections["default"].get_connection_params())
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        parameters.pop(django_only, None)
    timeout = f"-c statement_timeout={ANSWER_TIMEOUT_SECONDS * 1000}"
    parameters["options"] = f"{parameters.get('options', '')} {timeout}".strip()
    # A connection cut without a word is known as such within seconds, not hours.
    parameters |= {
        "connect_timeout": ANSWER_TIMEOUT_SECONDS,
        "keepalives": 1,
        "keepalives_idle": ANSWER_TIMEOUT_SECONDS,
        "keepalives_interval": 1,
        "keepalives_count": 3,
    }
    return parameters


# This process's proof of life; started by the delivery workers only.
liveness = Liveness()
