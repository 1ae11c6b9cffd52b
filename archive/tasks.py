"""Periodic work on the archive, one task per agency: signing each log's head, and
checking each chain against its heads."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.apps import apps

from govsocial.tenancy import with_agency_scope

logger = logging.getLogger("govsocial.archive")


def _each_agency(task: Any) -> None:
    """Queue ``task`` once for every agency."""
    agency_model = apps.get_model("accounts", "Agency")
    for agency_id in agency_model.objects.values_list("id", flat=True):
        task.delay(agency_id=agency_id)


@shared_task(acks_late=True)
def chains_verify() -> None:
    """Queue a chain check for every agency."""
    _each_agency(chain_verify_agency)


@shared_task(acks_late=True)
@with_agency_scope
def chain_verify_agency(*, agency_id: int) -> None:
    """Check one agency's chain and raise the alarm in the log when it is broken."""
    from archive.services import chain_verify, heads_check

    report = chain_verify(agency_id=agency_id)
    if not report.intact:
        logger.critical(
            "archive chain of agency %s is broken at sequence %s: %s",
            agency_id,
            report.first_bad_sequence,
            report.problem,
        )
    heads = heads_check(agency_id=agency_id)
    if not heads.intact:
        logger.critical(
            "archive of agency %s does not match its head signed at %s: %s",
            agency_id,
            heads.bad_head.signed_at if heads.bad_head else None,
            heads.problem,
        )


@shared_task(acks_late=True)
def heads_sign() -> None:
    """Queue the signing of every agency's head."""
    _each_agency(head_sign_agency)


@shared_task(acks_late=True)
@with_agency_scope
def head_sign_agency(*, agency_id: int) -> None:
    """Sign one agency's head if its log grew since the last. Safe to run twice: the
    second finds the log the same size as its head and signs nothing."""
    from django.db import transaction

    from archive.services import head_sign_when_grown

    with transaction.atomic():
        head_sign_when_grown(agency_id=agency_id)
