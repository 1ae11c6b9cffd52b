"""Periodic work of accounts, one task per agency: the purge of the API's idempotency
keys past their day."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Agency
from govsocial.tenancy import with_agency_scope


@shared_task(acks_late=True)
def idempotency_keys_purge() -> None:
    """Queue the purge of expired idempotency keys for every agency (an agency closed
    since keeps its keys no longer than an open one)."""
    for agency_id in Agency.objects.values_list("id", flat=True):
        agency_idempotency_keys_purge.delay(agency_id=agency_id)


@shared_task(acks_late=True)
@with_agency_scope
def agency_idempotency_keys_purge(*, agency_id: int) -> None:
    """Delete the agency's idempotency keys past their day. Safe to run twice."""
    from accounts import services

    services.idempotency_keys_purge(agency=Agency.objects.get(pk=agency_id))
