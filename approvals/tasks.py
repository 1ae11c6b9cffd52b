"""Reminders of rounds waiting longer than their agency's target."""

from __future__ import annotations

from celery import shared_task

from govsocial.tenancy import each_agency, with_agency_scope


@shared_task(acks_late=True)
def approval_reminders_send() -> None:
    """Queue, for every agency, the reminders of its rounds waiting too long."""
    each_agency(approval_reminders_send_agency)


@shared_task(acks_late=True)
@with_agency_scope
def approval_reminders_send_agency(*, agency_id: int) -> None:
    """Remind one agency's approvers of the rounds waiting too long. Safe to run twice:
    a step is reminded of once."""
    from approvals.reminders import reminders_send

    reminders_send()
