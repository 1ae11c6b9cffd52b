"""Reading a person's notifications in the bound agency."""

from __future__ import annotations

from django.db.models import QuerySet

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


def unread_count(*, user_id: int) -> int:
    """Return how many of the person's notifications in the bound agency are unread."""
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def choices_of(*, user_id: int) -> dict[str, str]:
    """Return how the person is told of each kind, every kind named."""
    chosen = dict(
        NotificationChoice.objects.filter(user_id=user_id).values_list("kind", "delivery")
    )
    return {kind: chosen.get(kind, Delivery.EMAIL) for kind in Kind.values}
