"""API keys for integrators: creation (shown once), use, revocation."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, ApiKey, Role, User
from accounts.selectors import token_digest
from accounts.services.principals import Principal, require_admin
from govsocial.errors import Conflict, GovsocialError
from govsocial.rows import ModelColumns, instances
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


_KEY = ModelColumns(ApiKey, "k")
_KEY_AGENCY = ModelColumns(Agency, "a")
_KEY_OWNER = ModelColumns(User, "u")
# An agency's key by its id, with the agency (if active) and the person who made it.
# Built of the models' own tables and columns.
_API_KEY = (
    f"SELECT {_KEY.sql}, {_KEY_AGENCY.sql}, {_KEY_OWNER.sql}"  # noqa: S608  # nosec B608
    f' FROM "{ApiKey._meta.db_table}" AS k'
    f' JOIN "{Agency._meta.db_table}" AS a ON a.id = k.agency_id'
    f' JOIN "{User._meta.db_table}" AS u ON u.id = k.created_by_id'
    " WHERE k.agency_id = %s AND k.key_id = %s AND a.is_active"
)


def api_key_use(*, token: str) -> ApiKey | None:
    """Return the usable key that ``token`` is, noting when it was last used; else None.
    Every API request asks, so the key is read by a statement written once: building
    the ORM's, with the key's agency and maker joined, took longer than running it."""
    parts = token.split("_", 3)
    if len(parts) != 4 or parts[0] != API_KEY_PREFIX or not parts[1].isdigit():
        return None
    # The key says which agency it belongs to; its row is read under that agency only.
    agency_id = int(parts[1])
    with agency_scope(agency_id):
        with connection.cursor() as cursor:
            cursor.execute(_API_KEY, [agency_id, parts[2]])
            row = cursor.fetchone()
        if row is None:
            return None
        key: ApiKey
        key, agency, owner = instances(row, _KEY, _KEY_AGENCY, _KEY_OWNER)
        ApiKey.agency.field.set_cached_value(key, agency)
        ApiKey.created_by.field.set_cached_value(key, owner)
        if not hmac.compare_digest(key.secret_hash, token_digest(token)):
            return None
        if not key.is_usable:
            return None
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key
