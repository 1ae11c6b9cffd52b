"""Members and invitations: inviting, joining, roles, deactivation."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, ApiKey, Invitation, Membership, Role, User
from accounts.selectors import token_digest
from accounts.services.api_keys import revoke_locked as _api_key_revoke_locked
from accounts.services.principals import (
    Principal,
    clean_email,
    clean_roles,
    person_behind,
    require_admin,
)
from archive.services import NamedActor
from govsocial.errors import Conflict, GovsocialError, PermissionDenied


def membership_add(
    *, agency: Agency, user: User, roles: Sequence[str], actor: User | NamedActor
) -> Membership:
    """Make ``user`` a member of the bound agency (operators and demo data)."""
    roles = clean_roles(roles)
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
    require_admin(agency=agency, actor=actor)
    email = clean_email(email)
    roles = clean_roles(roles)
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
            invited_by=person_behind(actor),
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
    require_admin(agency=invitation.agency, actor=actor)
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
    require_admin(agency=membership.agency, actor=actor)
    roles = clean_roles(roles)
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
    require_admin(agency=membership.agency, actor=actor)
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
