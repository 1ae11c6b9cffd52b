"""Sign-in sessions, kept in the database as Django's ``db`` engine keeps them."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

_TABLE = Session._meta.db_table
# A session's row that has not expired. Built of the model's own table's name.
_SESSION_ROW = (
    f'SELECT "session_data", "expire_date" FROM "{_TABLE}"'  # noqa: S608  # nosec B608
    ' WHERE "session_key" = %s AND "expire_date" > %s'
)


class SessionStore(db.SessionStore):
    """Django's database sessions, each session's row read by a statement written once:
    building the ORM's took longer than PostgreSQL took to answer it, and every
    signed-in page reads one."""

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        if key is None:
            return None
        with connections[router.db_for_read(Session)].cursor() as cursor:
            cursor.execute(_SESSION_ROW, [key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            # No such session, or it has expired: a new one gets a new key.
            self._session_key = None
            return None
        data, expire_date = row
        return Session(session_key=key, session_data=data, expire_date=expire_date)
