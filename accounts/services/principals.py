"""Who acts (a person or an API key), and the checks every write shares."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from accounts.models import Agency, ApiKey, Role, User
from accounts.selectors import roles_of
from govsocial.errors import GovsocialError, PermissionDenied

# Who acts through the pages and the API: a person, or an integrator's API key.
Principal = User | ApiKey


def person_behind(actor: Principal) -> User:
    """Return the person an action is credited to on the rows it makes: the actor, or for
    an API key the admin who created it (the archive still names the key)."""
    return actor.created_by if isinstance(actor, ApiKey) else actor


def require_admin(*, agency: Agency, actor: Principal, refusal: str = "") -> None:
    """Refuse the action (saying ``refusal``, or that only admins manage members) unless
    ``actor`` is an admin of ``agency``."""
    if Role.ADMIN not in roles_of(agency=agency, actor=actor):
        raise PermissionDenied(refusal or _("Only an agency admin can manage members."))


def clean_roles(roles: Sequence[str]) -> list[str]:
    """Return the chosen roles in their canonical order; refuse unknown or none."""
    valid = set(Role.values)
    chosen = [role for role in Role.values if role in set(roles)]
    unknown = sorted(set(roles) - valid)
    if unknown:
        raise GovsocialError(
            _("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)}, field="roles"
        )
    if not chosen:
        raise GovsocialError(_("Choose at least one role."), field="roles")
    return chosen


def clean_email(email: str) -> str:
    """Return the address lower-cased; refuse one that is not an email address."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise GovsocialError(
            _("“%(email)s” is not a valid email address.") % {"email": email}, field="email"
        ) from error
    return email
