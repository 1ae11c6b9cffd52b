"""Reads of connected network accounts and who may publish to them."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, Role
from publishing.models import SocialAccount, SocialAccountPublisher


def social_account_list(*, connected_only: bool = False) -> QuerySet[SocialAccount]:
    """Return the bound agency's network accounts, by network and handle."""
    accounts = SocialAccount.objects.select_related("connected_by")
    return accounts.filter(disconnected_at__isnull=True) if connected_only else accounts


def social_account_get(*, account_id: int) -> SocialAccount | None:
    """Return one network account of the bound agency, or None."""
    return (
        SocialAccount.objects.select_related("agency", "connected_by").filter(pk=account_id).first()
    )


def account_publisher_ids(*, account: SocialAccount) -> set[int]:
    """Return the ids of the users the admins delegated ``account`` to."""
    return set(
        SocialAccountPublisher.objects.filter(content_object=account).values_list(
            "user_id", flat=True
        )
    )


def delegable_members(*, account: SocialAccount) -> list[Membership]:
    """Return the agency's active members who are not admins (admins may always
    publish), by name."""
    members = (
        Membership.objects.filter(agency_id=account.agency_id, is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    return [m for m in members if Role.ADMIN not in m.roles]
