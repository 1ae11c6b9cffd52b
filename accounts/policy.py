"""An agency's sign-in policy: second factors and how long sessions last."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib.sessions.backends.base import SessionBase
from django.db import connection
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, Membership, User


@dataclass(frozen=True)
class SecondFactorGap:
    """What a member must do before reaching the agency's data."""

    message: str | Promise
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NEEDS_TWO_FACTOR = SecondFactorGap(
    _("Your agency requires two-factor authentication. Set it up to continue."), "mfa_index"
)
NEEDS_SECURITY_KEY = SecondFactorGap(
    _("Your agency accepts only security keys or passkeys. Add one to continue."),
    "mfa_add_webauthn",
)
NEEDS_SECURITY_KEY_SIGN_IN = SecondFactorGap(
    _("Your agency accepts only security keys or passkeys. Confirm with your key to continue."),
    "mfa_reauthenticate",
)


# The kinds of a person's second factors. Built of the model's own table's name.
_SECOND_FACTORS = (
    f'SELECT DISTINCT "type" FROM "{Authenticator._meta.db_table}"'  # noqa: S608  # nosec B608
    ' WHERE "user_id" = %s'
)


def _second_factors(user: User) -> set[str]:
    """Return the kinds of ``user``'s second factors, read by a statement written once:
    every page of an agency asks, and building the ORM's took longer than running it."""
    with connection.cursor() as cursor:
        cursor.execute(_SECOND_FACTORS, [user.pk])
        return {kind for (kind,) in cursor.fetchall()}


def second_factor_gap(
    *, agency: Agency, user: User, authentication_records: list[dict[str, Any]]
) -> SecondFactorGap | None:
    """Return what ``user`` lacks under ``agency``'s policy in this session, or None."""
    if not (agency.require_two_factor or agency.require_security_key):
        return None
    # The agency's own identity provider vouches for its second factor; keys-only
    # agencies still want a key here, since a provider's factor cannot be seen.
    if not agency.require_security_key and any(
        record.get("method") == "socialaccount" and record.get("provider") == agency.slug
        for record in authentication_records
    ):
        return None
    types = _second_factors(user)
    if not agency.require_security_key:
        return None if types else NEEDS_TWO_FACTOR
    if Authenticator.Type.WEBAUTHN not in types:
        return NEEDS_SECURITY_KEY
    used_a_key = any(
        record.get("type") == Authenticator.Type.WEBAUTHN for record in authentication_records
    )
    return None if used_a_key else NEEDS_SECURITY_KEY_SIGN_IN


SIGNED_IN_AT = "govsocial_signed_in_at"
LAST_SEEN_AT = "govsocial_last_seen_at"


def session_start(session: SessionBase, *, at: float) -> None:
    """Mark the moment of signing in, from which the session's lifetime counts."""
    session[SIGNED_IN_AT] = at
    session[LAST_SEEN_AT] = at


@dataclass(frozen=True)
class SessionLimits:
    """How long a session may sit idle, and live at all."""

    idle_seconds: int
    lifetime_seconds: int


def session_limits(*, memberships: Sequence[Membership]) -> SessionLimits:
    """Return the strictest limits among the agencies of a person's ``memberships``
    (``memberships_of_user``)."""
    agencies = [m.agency for m in memberships]
    if not agencies:
        return SessionLimits(idle_seconds=15 * 60, lifetime_seconds=12 * 3600)
    return SessionLimits(
        idle_seconds=min(a.idle_timeout_minutes for a in agencies) * 60,
        lifetime_seconds=min(a.session_lifetime_hours for a in agencies) * 3600,
    )
