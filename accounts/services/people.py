"""A person's own settings, changed by the person, each change recorded in every
agency they belong to."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User, validate_time_zone
from accounts.services.sign_in import user_event_record
from govsocial.errors import GovsocialError


def user_time_zone_change(*, user: User, time_zone: str) -> User:
    """Set the time zone ``user`` reads and enters times in ("" for the zone of the
    agency being viewed); the person acts on their own settings and is the actor
    recorded. Refuse a zone the IANA database does not know."""
    if time_zone:
        try:
            validate_time_zone(time_zone)
        except ValidationError as error:
            raise GovsocialError(error.messages[0], field="time_zone") from None
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=user.pk)
        before = person.time_zone
        if before == time_zone:
            return person
        person.time_zone = time_zone
        person.save(update_fields=["time_zone"])
        user_event_record(
            user=person,
            verb="user.time_zone_changed",
            data={"before": before, "after": time_zone},
        )
    return person
