"""API keys for integrators: creation (shown once), use, revocation."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, ApiKey, Role, User
from accounts.selectors import token_digest
from accounts.services.principals import Principal, require_admin
from govsocial.errors import Conflict, GovsocialError
from govsocial.tenancy import agency_scope

API_KEY_PREFIX = "gs"


def api_key_create(
    *,
    agency: Agency,
    actor: User,
    name: str,
    role: str,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create an API key for the bound agency; return it and the key, shown only once."""
    require_admin(agency=agency, actor=actor)
    name = (name or "").strip()
    if not name:
        raise GovsocialError(_("Give the key a name that says who uses it."), field="name")
    if role not in Role.values:
        raise GovsocialError(_("Unknown role: %(roles)s.") % {"roles": role}, field="role")
    if expires_at is not None and expires_at <= timezone.now():
        raise GovsocialError(_("The expiry must be in the future."), field="expires_at")
    key_id = secrets.token_hex(6)
    token = f"{API_KEY_PREFIX}_{agency.pk}_{key_id}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key: ApiKey = ApiKey.objects.create(
            agency=agency,
            name=name,
            role=role,
            key_id=key_id,
            secret_hash=token_digest(token),
            created_by=actor,
            expires_at=expires_at,
        )
        archive.record(
            agency=agency,
            actor=actor,
            verb="api_key.created",
            obj=key,
            data={"after": {"name": name, "role": role, "expires_at": expires_at}},
        )
    return key, token


def api_key_revoke(*, key: ApiKey, actor: Principal) -> ApiKey:
    """Revoke an API key at once: its next request is refused."""
    require_admin(agency=key.agency, actor=actor)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is not None:
            raise Conflict(_("This API key was already revoked."))
        return revoke_locked(key=key, actor=actor, reason="revoked")


def revoke_locked(*, key: ApiKey, actor: Principal, reason: str) -> ApiKey:
    """Revoke ``key``, already locked by the caller's transaction, and record why."""
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    archive.record(
        agency=key.agency,
        actor=actor,
        verb="api_key.revoked",
        obj=key,
        data={"reason": reason},
    )
    return key


def api_key_use(*, token: str) -> ApiKey | None:
    """Return the usable key that ``token`` is, noting when it was last used; else None."""
    parts = token.split("_", 3)
    if len(parts) != 4 or parts[0] != API_KEY_PREFIX or not parts[1].isdigit():
        return None
    # The key says which agency it belongs to; its row is read under that agency only.
    with agency_scope(int(parts[1])):
        key: ApiKey | None = (
            ApiKey.objects.select_related("agency", "created_by")
            .filter(key_id=parts[2], agency__is_active=True)
            .first()
        )
        if key is None or not hmac.compare_digest(key.secret_hash, token_digest(token)):
            return None
        if not key.is_usable:
            return None
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key
