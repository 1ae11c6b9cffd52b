"""Every write to agencies, members and invitations, each with its archive event."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, ApiKey, Invitation, Membership, Role, User
from accounts.selectors import memberships_of_user, roles_of, token_digest
from archive.services import ANONYMOUS, NamedActor
from govsocial.errors import Conflict, GovsocialError, PermissionDenied
from govsocial.tenancy import agency_scope, user_scope

security_log = logging.getLogger("govsocial.security")


# Who acts through the pages and the API: a person, or an integrator's API key.
Principal = User | ApiKey


def _require_admin(*, agency: Agency, actor: Principal) -> None:
    if Role.ADMIN not in roles_of(agency=agency, actor=actor):
        raise PermissionDenied(_("Only an agency admin can manage members."))


def _clean_roles(roles: Sequence[str]) -> list[str]:
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


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise GovsocialError(
            _("“%(email)s” is not a valid email address.") % {"email": email}, field="email"
        ) from error
    return email


def agency_create(
    *,
    name: str,
    slug: str,
    time_zone: str = "UTC",
    languages: list[str] | None = None,
    parent: Agency | None = None,
    actor: User | NamedActor,
) -> Agency:
    """Create an agency (an operator's act) and open its archive chain."""
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
)


def agency_policy_change(*, agency: Agency, actor: Principal, policy: dict[str, Any]) -> Agency:
    """Change the agency's sign-in policy (two-factor, session limits)."""
    _require_admin(agency=agency, actor=actor)
    unknown = set(policy) - set(POLICY_FIELDS)
    if unknown:
        raise GovsocialError(_("Unknown policy setting: %(names)s.") % {"names": sorted(unknown)})
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
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


def membership_add(
    *, agency: Agency, user: User, roles: Sequence[str], actor: User | NamedActor
) -> Membership:
    """Make ``user`` a member of the bound agency (operators and demo data)."""
    roles = _clean_roles(roles)
    with transaction.atomic():
        if Membership.objects.filter(agency=agency, user=user).exists():
            raise Conflict(_("%(email)s is already a member.") % {"email": user.email})
        membership: Membership = Membership.objects.create(agency=agency, user=user, roles=roles)
        archive.record(
            agency=agency,
            actor=actor,
            verb="member.added",
            obj=membership,
            data={"after": {"email": user.email, "roles": roles}},
        )
    return membership


def invitation_create(
    *, agency: Agency, actor: Principal, email: str, roles: Sequence[str]
) -> tuple[Invitation, str]:
    """Invite ``email`` to the bound agency; return the invitation and its secret token.

    The token travels only in the emailed link; the database keeps its hash.
    """
    _require_admin(agency=agency, actor=actor)
    email = _clean_email(email)
    roles = _clean_roles(roles)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        if Membership.objects.filter(
            agency=agency, user__email__iexact=email, is_active=True
        ).exists():
            raise Conflict(
                _("%(email)s is already a member of this agency.") % {"email": email},
                field="email",
            )
        invitation = Invitation(
            agency=agency,
            email=email,
            roles=roles,
            token_hash=token_digest(token),
            invited_by=actor.created_by if isinstance(actor, ApiKey) else actor,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError as error:
            raise Conflict(
                _("%(email)s already has an open invitation; revoke it to send a new one.")
                % {"email": email},
                field="email",
            ) from error
        archive.record(
            agency=agency,
            actor=actor,
            verb="member.invited",
            obj=invitation,
            data={"after": {"email": email, "roles": roles, "expires_at": invitation.expires_at}},
        )
        link = settings.SITE_URL + reverse(
            "invitation_accept", kwargs={"agency_slug": agency.slug, "token": token}
        )
        transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation, token


def _send_invitation(invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "agency": invitation.agency, "link": link}
    send_mail(
        subject=_("You are invited to join %(agency)s on govsocial")
        % {"agency": invitation.agency.name},
        message=render_to_string("emails/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_revoke(*, invitation: Invitation, actor: Principal) -> Invitation:
    """Withdraw an open invitation so its link stops working."""
    _require_admin(agency=invitation.agency, actor=actor)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise Conflict(_("This invitation was already used or withdrawn."))
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        archive.record(
            agency=invitation.agency,
            actor=actor,
            verb="member.invitation_revoked",
            obj=invitation,
            data={"before": {"email": invitation.email}},
        )
    return invitation


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Make ``user`` a member of the invitation's agency with the invited roles."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise Conflict(_("This invitation was already used or withdrawn."))
        if invitation.expires_at <= timezone.now():
            raise GovsocialError(
                _("This invitation expired; ask an admin of the agency for a new one.")
            )
        if invitation.email.lower() != user.email.lower():
            raise PermissionDenied(
                _("This invitation is for %(email)s; sign in with that address to accept it.")
                % {"email": invitation.email}
            )
        membership = (
            Membership.objects.select_for_update()
            .filter(agency=invitation.agency, user=user)
            .first()
        )
        before = None
        if membership is None:
            membership = Membership(agency=invitation.agency, user=user)
        elif membership.is_active:
            raise Conflict(_("You are already a member of this agency."))
        else:
            before = {"roles": membership.roles, "is_active": False}
        membership.roles = invitation.roles
        membership.is_active = True
        membership.deactivated_at = None
        membership.save()
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        archive.record(
            agency=invitation.agency,
            actor=user,
            verb="member.joined",
            obj=membership,
            data={
                "before": before,
                "after": {"roles": membership.roles, "is_active": True},
                "invitation_id": invitation.pk,
            },
        )
    return membership


def user_create_for_invitation(
    *, invitation: Invitation, name: str, password: str
) -> tuple[User, Membership]:
    """Create the invited person's account and accept the invitation with it."""
    name = (name or "").strip()
    if not name:
        raise GovsocialError(_("Enter your name."), field="name")
    candidate = User(email=invitation.email, name=name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise GovsocialError(" ".join(error.messages), field="password") from error
    with transaction.atomic():
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise Conflict(
                _("An account with this email exists already; sign in to accept."),
            )
        user = User.objects.create_user(invitation.email, password, name=name)
        membership = invitation_accept(invitation=invitation, user=user)
    return user, membership


def _require_another_admin(*, membership: Membership) -> None:
    if Role.ADMIN not in membership.roles or not membership.is_active:
        return
    others = (
        Membership.objects.filter(
            agency_id=membership.agency_id, is_active=True, roles__contains=[Role.ADMIN]
        )
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise Conflict(_("An agency keeps at least one active admin."))


def membership_change_roles(
    *, membership: Membership, actor: Principal, roles: Sequence[str]
) -> Membership:
    """Give a member a new set of roles."""
    _require_admin(agency=membership.agency, actor=actor)
    roles = _clean_roles(roles)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.is_active:
            raise Conflict(_("This member is deactivated; invite them again instead."))
        before = list(membership.roles)
        if before == roles:
            return membership
        if Role.ADMIN not in roles:
            _require_another_admin(membership=membership)
        membership.roles = roles
        membership.save(update_fields=["roles"])
        archive.record(
            agency=membership.agency,
            actor=actor,
            verb="member.roles_changed",
            obj=membership,
            data={"before": {"roles": before}, "after": {"roles": roles}},
        )
    return membership


def membership_deactivate(*, membership: Membership, actor: Principal) -> Membership:
    """Remove a member from the agency and end all their sessions at once."""
    _require_admin(agency=membership.agency, actor=actor)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.is_active:
            raise Conflict(_("This member is already deactivated."))
        _require_another_admin(membership=membership)
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at"])
        user = User.objects.select_for_update().get(pk=membership.user_id)
        user.end_all_sessions()
        user.save(update_fields=["session_generation"])
        for key in ApiKey.objects.select_for_update().filter(
            agency=membership.agency, created_by=user, revoked_at=None
        ):
            _api_key_revoke_locked(key=key, actor=actor, reason="creator deactivated")
        archive.record(
            agency=membership.agency,
            actor=actor,
            verb="member.deactivated",
            obj=membership,
            data={"before": {"is_active": True}, "after": {"is_active": False}},
        )
    return membership


def user_event_record(*, user: User, verb: str, data: dict[str, Any] | None = None) -> None:
    """Record an event about the person (signing in, second factors) in each of their
    agencies' archives."""
    with transaction.atomic():
        for membership in memberships_of_user(user=user):
            archive.record(agency=membership.agency, actor=user, verb=verb, obj=user, data=data)


def sign_in_failure_record(*, user: User) -> None:
    """Record a failed sign-in for a known address in its agencies' archives.

    An address that belongs to nobody has no agency, so no chain to go into.
    """
    with transaction.atomic():
        for membership in memberships_of_user(user=user):
            archive.record(
                agency=membership.agency,
                actor=ANONYMOUS,
                verb="user.sign_in_failed",
                obj=user,
                data={"email": user.email},
            )


def sign_in_lockout_record(*, email: str) -> None:
    """Record, once per lockout, that sign-in to ``email`` is locked after failures.

    An address that belongs to nobody is only logged: it has no agency to record in.
    """
    key = f"govsocial:lockout-recorded:{email.strip().lower()}"
    if not cache.add(key, True, timeout=settings.SIGN_IN_LOCKOUT_SECONDS):
        return
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        security_log.warning("sign-in locked out for an unknown address")
        return
    with user_scope(user.pk):
        user_event_record(user=user, verb="user.sign_in_locked_out", data={"email": user.email})


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
    _require_admin(agency=agency, actor=actor)
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
    _require_admin(agency=key.agency, actor=actor)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is not None:
            raise Conflict(_("This API key was already revoked."))
        return _api_key_revoke_locked(key=key, actor=actor, reason="revoked")


def _api_key_revoke_locked(*, key: ApiKey, actor: Principal, reason: str) -> ApiKey:
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
