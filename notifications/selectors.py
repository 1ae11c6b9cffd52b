"""Reading a person's notifications in the bound agency."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from govsocial.tenancy import required_agency_id
from notifications.models import Delivery, Kind, Notification, NotificationChoice


def notification_list(
    *, user_id: int, notifications: QuerySet[Notification] | None = None
) -> QuerySet[Notification]:
    """Return the person's notifications in the bound agency (among ``notifications``
    when given), newest first."""
    among = Notification.objects.all() if notifications is None else notifications
    return among.filter(user_id=user_id).order_by("-created_at", "-id")


def notification_get(*, user_id: int, notification_id: int) -> Notification | None:
    """Return one of the person's notifications in the bound agency, or None."""
    return notification_list(user_id=user_id).filter(pk=notification_id).first()


_UNREAD_SQL = (
    "SELECT count(*) FROM notifications_notification"
    " WHERE agency_id = %s AND user_id = %s AND read_at IS NULL"
)


def unread_count(*, user_id: int) -> int:
    """Return how many of the person's notifications in the bound agency are unread.

    Every page's header says it: read by a statement of the module's own, as the ORM
    took three times as long to make its count as to run it."""
    agency_id = required_agency_id("notifications are an agency's")
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [agency_id, user_id])
        (count,) = cursor.fetchone()
    return int(count)


def choices_of(*, user_id: int) -> dict[str, str]:
    """Return how the person is told of each kind, every kind named."""
    chosen = dict(
        NotificationChoice.objects.filter(user_id=user_id).values_list("kind", "delivery")
    )
    return {kind: chosen.get(kind, Delivery.EMAIL) for kind in Kind.values}
