"""Periodic checks of connected network accounts (one task per agency, then one per
account, so a slow network never holds up another agency's checks), and the delivery of
targets the dispatcher hands over as due now."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Agency
from govsocial.tenancy import with_agency_scope


@shared_task(acks_late=True)
def accounts_health_check() -> None:
    """Queue a health check of every active agency's accounts."""
    for agency_id in Agency.objects.filter(is_active=True).values_list("id", flat=True):
        agency_accounts_health_check.delay(agency_id=agency_id)


@shared_task(acks_late=True)
@with_agency_scope
def agency_accounts_health_check(*, agency_id: int) -> None:
    """Queue a health check of each of the agency's connected accounts."""
    from publishing.selectors import social_account_list

    for account_id in social_account_list(connected_only=True).values_list("id", flat=True):
        account_health_check.delay(agency_id=agency_id, account_id=account_id)


@shared_task(acks_late=True)
@with_agency_scope
def account_health_check(*, agency_id: int, account_id: int) -> None:
    """Check one account now. Safe to run twice: the service locks the account's row."""
    from publishing import services
    from publishing.selectors import social_account_get

    account = social_account_get(account_id=account_id)
    if account is not None:
        services.account_health_check(account=account)


@shared_task(acks_late=True)
@with_agency_scope
def publish_target(*, agency_id: int, target_id: int) -> None:
    """Publish one target now. Safe to run twice: the service claims the row first."""
    from publishing.services import target_publish

    target_publish(target_id=target_id)


@shared_task(acks_late=True)
@with_agency_scope
def reconcile_target(*, agency_id: int, target_id: int) -> None:
    """Settle one target whose outcome is unknown. Safe to run twice: every move the
    service makes is conditional on the state it read."""
    from publishing.services import target_reconcile

    target_reconcile(target_id=target_id)
