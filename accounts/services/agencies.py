"""Creating agencies and changing their sign-in policy."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, User
from accounts.services.principals import Principal, require_admin
from archive.services import NamedActor
from govsocial.errors import GovsocialError


def agency_create(
    *,
    name: str,
    slug: str,
    time_zone: str = "UTC",
    languages: list[str] | None = None,
    parent: Agency | None = None,
    actor: User | NamedActor,
) -> Agency:
    """Create an agency (an operator's act) and open its archive log."""
    agency = Agency(
        name=name,
        slug=slug,
        time_zone=time_zone,
        languages=languages or ["en"],
        parent=parent,
    )
    try:
        agency.full_clean()
    except ValidationError as error:
        raise GovsocialError("; ".join(error.messages)) from error
    with transaction.atomic():
        agency.save()
        archive.record(
            agency=agency,
            actor=actor,
            verb="agency.created",
            obj=agency,
            data={"after": {"name": name, "slug": slug, "parent": parent.slug if parent else None}},
        )
    return agency


POLICY_FIELDS = (
    "require_two_factor",
    "require_security_key",
    "idle_timeout_minutes",
    "session_lifetime_hours",
    "approval_reminder_hours",
)


def agency_policy_change(*, agency: Agency, actor: Principal, policy: dict[str, Any]) -> Agency:
    """Change the agency's policy (two-factor, session limits, approval reminders)."""
    require_admin(agency=agency, actor=actor)
    unknown = set(policy) - set(POLICY_FIELDS)
    if unknown:
        raise GovsocialError(_("Unknown policy setting: %(names)s.") % {"names": sorted(unknown)})
    with transaction.atomic():
        agency = Agency.objects.select_for_update(no_key=True).get(pk=agency.pk)
        before = {name: getattr(agency, name) for name in POLICY_FIELDS}
        for name, value in policy.items():
            setattr(agency, name, value)
        try:
            agency.full_clean()
        except ValidationError as error:
            raise GovsocialError("; ".join(error.messages)) from error
        after = {name: getattr(agency, name) for name in POLICY_FIELDS}
        if after == before:
            return agency
        agency.save(update_fields=list(POLICY_FIELDS))
        archive.record(
            agency=agency,
            actor=actor,
            verb="agency.policy_changed",
            obj=agency,
            data={"before": before, "after": after},
        )
    return agency
