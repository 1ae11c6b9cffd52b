"""The daily email of each person who chose one."""

from __future__ import annotations

from celery import shared_task

from govsocial.tenancy import each_agency, with_agency_scope


@shared_task(acks_late=True)
def digests_send() -> None:
    """Queue, for every agency, the day's emails of its members who chose them."""
    each_agency(digests_send_agency)


@shared_task(acks_late=True)
@with_agency_scope
def digests_send_agency(*, agency_id: int) -> None:
    """Send one agency's daily emails. Safe to run twice: what went is marked."""
    from notifications.services import digests_send as send

    send()
