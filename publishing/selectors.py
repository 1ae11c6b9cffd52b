"""Reads of connected network accounts and who may publish to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Agency, Membership, Role
from publishing.models import PausedAccount, PublishingPause, SocialAccount, SocialAccountPublisher


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


def pause_list_active(*, agency: Agency, at: datetime | None = None) -> QuerySet[PublishingPause]:
    """Return the agency's pauses in force at ``at`` (now when None; a pause past its
    ``until`` counts until it is ended when None), newest first."""
    pauses = PublishingPause.objects.filter(agency=agency, ended_at__isnull=True)
    if at is not None:
        pauses = pauses.filter(Q(until__isnull=True) | Q(until__gt=at))
    return pauses.select_related("started_by").prefetch_related("accounts")


@dataclass(frozen=True)
class PauseCover:
    """What the agency's active pauses hold: every account, or the ones named."""

    every_account: bool
    account_ids: frozenset[int]

    def covers(self, account_id: int) -> bool:
        """Return whether ``account_id``'s publishing is held."""
        return self.every_account or account_id in self.account_ids


def pause_cover(*, agency: Agency) -> PauseCover:
    """Return which of the agency's accounts its pauses in force hold now."""
    active = list(pause_list_active(agency=agency, at=timezone.now()).values_list("pk", flat=True))
    named = PausedAccount.objects.filter(pause_id__in=active).values_list("pause_id", "account_id")
    naming = {pause_id for pause_id, _ in named}
    return PauseCover(
        every_account=any(pause_id not in naming for pause_id in active),
        account_ids=frozenset(account_id for _, account_id in named),
    )
