"""An agency's sign-in policy, applied to each request for that agency's data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, User


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


def second_factor_gap(
    *, agency: Agency, user: User, authentication_records: list[dict[str, Any]]
) -> SecondFactorGap | None:
    """Return what ``user`` lacks under ``agency``'s policy in this session, or None."""
    if not (agency.require_two_factor or agency.require_security_key):
        return None
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    if not agency.require_security_key:
        return None if types else NEEDS_TWO_FACTOR
    if Authenticator.Type.WEBAUTHN not in types:
        return NEEDS_SECURITY_KEY
    used_a_key = any(
        record.get("type") == Authenticator.Type.WEBAUTHN for record in authentication_records
    )
    return None if used_a_key else NEEDS_SECURITY_KEY_SIGN_IN
