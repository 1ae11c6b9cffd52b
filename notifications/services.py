"""Telling people: ``notify`` puts a notification in its person's list and emails it
at once or in their daily email, as they chose; people read them and choose how they
are told. Called by the apps once what they tell of is recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from govsocial.errors import GovsocialError
from govsocial.mail import send_quietly
from govsocial.tenancy import required_agency_id
from notifications.models import Delivery, Kind, Notification, NotificationChoice


def delivery_of(user_id: int, kind: Kind) -> Delivery:
    """Return how the person ``user_id`` is told of ``kind`` (by email at once when
    they have not chosen)."""
    chosen = (
        NotificationChoice.objects.filter(user_id=user_id, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return Delivery(chosen) if chosen else Delivery.EMAIL


def notify(
    *, user: Any, kind: Kind, subject: str, body: str, link: str, about: Model | None = None
) -> Notification:
    """Tell ``user``, a member of the bound agency, of what the caller's transaction
    records: the notification goes in their list with it, and by email once it commits,
    or in the day's email, as they chose (a mail server down is logged, never raised).
    ``about`` names what a person wrote that it repeats: erased with it."""
    agency_id = required_agency_id("a notification is for a member of the bound agency")
    delivery = delivery_of(user.pk, kind)
    notification: Notification = Notification.objects.create(
        agency_id=agency_id,
        user_id=user.pk,
        kind=kind,
        subject=subject[:300],
        body=body,
        link=link,
        digest=delivery == Delivery.DIGEST,
        emailed_at=Now() if delivery == Delivery.EMAIL else None,
        about_type=about._meta.label_lower if about is not None else "",
        about_id=str(about.pk) if about is not None else "",
    )
    if delivery == Delivery.EMAIL:
        transaction.on_commit(partial(send_quietly, subject, body, user.email))
    return notification


def notifications_erase(
    *, agency_id: int, objects: Sequence[tuple[str, str]], **_signal: Any
) -> int:
    """Erase, in the caller's transaction, what the bound agency's notifications about
    ``objects`` (the archive's (type, id) pairs whose records were erased) repeat of
    them; return how many. They stay in their lists, saying only that it was erased."""
    return (
        Notification.objects.filter(_about(objects))
        .exclude(body="")
        .update(subject=_("What this told of was erased at a person's request."), body="")
    )


def notifications_restrict(
    *, agency_id: int, objects: Sequence[tuple[str, str]], under: str, lifted: bool, **_signal: Any
) -> int:
    """Restrict the bound agency's notifications about ``objects`` under the request
    ``under``, or lift every restriction of that request, in the caller's transaction;
    return how many changed."""
    if lifted:
        restricted = Notification.objects.filter(restricted_under=under)
        return restricted.update(restricted_under="")
    return (
        Notification.objects.filter(_about(objects), restricted_under="")
        .exclude(about_type="")
        .update(restricted_under=under)
    )


def _about(objects: Sequence[tuple[str, str]]) -> Q:
    about = Q(pk__in=[])
    for object_type, object_id in objects:
        about |= Q(about_type=object_type, about_id=object_id)
    return about


def notification_read(*, notification: Notification) -> None:
    """Mark one of the bound agency's notifications read (once)."""
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=Now())


def notifications_read_all(*, user_id: int) -> int:
    """Mark every unread notification of the person in the bound agency read; return
    how many."""
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).update(read_at=Now())


def choices_set(*, user_id: int, chosen: Mapping[str, str]) -> None:
    """Keep how the person ``user_id`` chose to be told of each kind in ``chosen``."""
    for kind, delivery in chosen.items():
        if kind not in Kind.values or delivery not in Delivery.values:
            raise GovsocialError(_("Choose one of the ways offered for each kind."), field=kind)
    with transaction.atomic():
        for kind, delivery in chosen.items():
            NotificationChoice.objects.update_or_create(
                user_id=user_id, kind=kind, defaults={"delivery": delivery}
            )


def digests_send() -> int:
    """Email each member of the bound agency whose notifications wait for their daily
    email one message listing them; return how many emails went."""
    waiting = Notification.objects.filter(digest=True, emailed_at__isnull=True).select_related(
        "user", "agency"
    )
    people: dict[int, list[Notification]] = {}
    for notification in waiting.order_by("user_id", "created_at", "id"):
        people.setdefault(notification.user_id, []).append(notification)
    for notifications in people.values():
        person, agency = notifications[0].user, notifications[0].agency
        with timezone.override(agency.time_zone):
            body = render_to_string(
                "emails/notifications_digest.txt",
                {
                    "person": person,
                    "agency": agency,
                    "notifications": notifications,
                    "list": settings.SITE_URL
                    + reverse("notification_list", kwargs={"agency_slug": agency.slug}),
                },
            )
        subject = ngettext(
            "%(agency)s: %(count)d notification today",
            "%(agency)s: %(count)d notifications today",
            len(notifications),
        ) % {"agency": agency.name, "count": len(notifications)}
        send_quietly(subject, body, person.email)
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(emailed_at=Now())
    return len(people)
