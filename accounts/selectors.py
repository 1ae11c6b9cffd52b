"""Reads of agencies, memberships and invitations."""

from __future__ import annotations

import hashlib

from django.db import connection
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
from govsocial.rows import ModelColumns, instances


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


_MEMBERSHIP = ModelColumns(Membership, "m")
_AGENCY = ModelColumns(Agency, "a")
_PARENT = ModelColumns(Agency, "p")
# A person's active memberships in active agencies, each with its agency and the
# agency's parent (NULLs when it has none), by the agency's name. Built of the models'
# own tables and columns.
_MEMBERSHIPS_OF_USER = (
    f"SELECT {_MEMBERSHIP.sql}, {_AGENCY.sql}, {_PARENT.sql}"  # noqa: S608  # nosec B608
    f' FROM "{Membership._meta.db_table}" AS m'
    f' JOIN "{Agency._meta.db_table}" AS a ON a.id = m.agency_id'
    f' LEFT JOIN "{Agency._meta.db_table}" AS p ON p.id = a.parent_id'
    " WHERE m.user_id = %s AND m.is_active AND a.is_active ORDER BY a.name, m.id"
)


def memberships_of_user(*, user: User) -> list[Membership]:
    """Return the user's active memberships in active agencies, each with its agency
    (and the agency's parent), by the agency's name, for the agency switcher.

    Every signed-in page reads them, by a statement written once: building the ORM's,
    with its two joined agencies, took three times as long as PostgreSQL took to answer
    it. Row-level security lets the bound user read their own membership rows and
    nothing more: the statement reads one person's memberships across agencies."""
    with connection.cursor() as cursor:
        cursor.execute(_MEMBERSHIPS_OF_USER, [user.pk])
        rows = cursor.fetchall()
    memberships = []
    for row in rows:
        membership, agency, parent = instances(row, _MEMBERSHIP, _AGENCY, _PARENT)
        Agency.parent.field.set_cached_value(agency, parent)
        Membership.agency.field.set_cached_value(membership, agency)
        memberships.append(membership)
    return memberships


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
