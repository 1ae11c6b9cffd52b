"""Periodic checks of the archive's chains, one task per agency."""

from __future__ import annotations

import logging

from celery import shared_task
from django.apps import apps

from govsocial.tenancy import with_agency_scope

logger = logging.getLogger("govsocial.archive")


@shared_task(acks_late=True)
def chains_verify() -> None:
    """Queue a chain check for every agency."""
    agency_model = apps.get_model("accounts", "Agency")
    for agency_id in agency_model.objects.values_list("id", flat=True):
        chain_verify_agency.delay(agency_id=agency_id)


@shared_task(acks_late=True)
@with_agency_scope
def chain_verify_agency(*, agency_id: int) -> None:
    """Check one agency's chain and raise the alarm in the log when it is broken."""
    from archive.services import chain_verify

    report = chain_verify(agency_id=agency_id)
    if not report.intact:
        logger.critical(
            "archive chain of agency %s is broken at sequence %s: %s",
            agency_id,
            report.first_bad_sequence,
            report.problem,
        )
