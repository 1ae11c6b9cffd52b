"""Reads of agencies, memberships and invitations."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from accounts.models import (
    Agency,
    AgencySignOn,
    ApiKey,
    Invitation,
    Membership,
    SignOnDomain,
    User,
)


def agency_get_active(*, slug: str) -> Agency | None:
    """Return the active agency with this short name, or None."""
    return Agency.objects.filter(slug=slug, is_active=True).first()


def membership_for(*, agency: Agency, user: User) -> Membership | None:
    """Return ``user``'s active membership of the bound ``agency`` (with its user), or
    None."""
    return (
        Membership.objects.filter(agency=agency, user=user, is_active=True)
        .select_related("user")
        .first()
    )


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    """Return the user's active memberships in active agencies, for the agency switcher."""
    return (
        # Unscoped: this lists one person's own memberships across agencies; row-level
        # security lets the bound user read their own membership rows and nothing more.
        Membership.objects.unscoped()
        .filter(user=user, is_active=True, agency__is_active=True)
        .select_related("agency", "agency__parent")
        .order_by("agency__name")
    )


def member_list(*, agency: Agency) -> QuerySet[Membership]:
    """Return the bound agency's memberships, active first, by name."""
    return (
        Membership.objects.filter(agency=agency)
        .select_related("user")
        .order_by("-is_active", "user__name", "user__email")
    )


def member_get(*, agency: Agency, membership_id: int) -> Membership | None:
    """Return one membership of the bound agency, or None."""
    return member_list(agency=agency).filter(pk=membership_id).first()


def invitation_list_open(*, agency: Agency) -> QuerySet[Invitation]:
    """Return the bound agency's invitations that are neither accepted nor revoked."""
    return (
        Invitation.objects.filter(agency=agency, accepted_at=None, revoked_at=None)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_get(*, agency: Agency, invitation_id: int) -> Invitation | None:
    """Return one open invitation of the bound agency, or None."""
    return invitation_list_open(agency=agency).filter(pk=invitation_id).first()


def token_digest(token: str) -> str:
    """Return the stored form of an invitation token (only its hash is kept)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_by_token(*, agency: Agency, token: str) -> Invitation | None:
    """Return the bound agency's invitation carrying ``token``, or None."""
    return (
        Invitation.objects.filter(agency=agency, token_hash=token_digest(token))
        .select_related("agency")
        .first()
    )


def user_exists(*, email: str) -> bool:
    """Return whether someone already signs in with ``email``."""
    return User.objects.filter(email__iexact=email).exists()


def roles_of(*, agency: Agency, actor: User | ApiKey) -> set[str]:
    """Return the roles with which ``actor`` (a person or an API key) acts in ``agency``."""
    if isinstance(actor, ApiKey):
        usable = actor.agency_id == agency.pk and actor.is_usable
        return {actor.role} if usable else set()
    membership = membership_for(agency=agency, user=actor)
    return set(membership.roles) if membership else set()


def api_key_list(*, agency: Agency) -> QuerySet[ApiKey]:
    """Return the bound agency's API keys, newest first."""
    return ApiKey.objects.filter(agency=agency).select_related("created_by")


def api_key_get(*, agency: Agency, key_pk: int) -> ApiKey | None:
    """Return one API key of the bound agency, or None."""
    return api_key_list(agency=agency).filter(pk=key_pk).first()


def sign_on_get(*, agency: Agency) -> AgencySignOn | None:
    """Return the bound agency's single sign-on settings, or None."""
    return AgencySignOn.objects.filter(agency=agency).first()


def sign_on_domain_list(*, agency: Agency) -> list[str]:
    """Return the email domains the bound agency signs in through its single sign-on."""
    return list(
        SignOnDomain.objects.filter(agency=agency)
        .order_by("domain")
        .values_list("domain", flat=True)
    )
