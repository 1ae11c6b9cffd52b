"""Periodic work of publishing, fanned out one task per agency (then per account), so a
slow network never holds up another agency: account health checks, the end of crisis
pauses whose time is up; the picture of an account just connected; and the delivery of
targets the dispatcher hands over as due now."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_process_shutdown, worker_ready, worker_shutdown
from django.conf import settings
from django.db import DatabaseError, connection

from accounts.models import Agency
from govsocial.tenancy import each_agency, with_agency_scope

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def accounts_health_check() -> None:
    """Queue a health check of every active agency's accounts."""
    each_agency(agency_accounts_health_check)


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
def account_picture_keep(*, agency_id: int, account_id: int) -> None:
    """Keep the picture of an account just connected. Safe to run twice: a picture
    already kept from the same address is not read again."""
    from publishing import services
    from publishing.selectors import social_account_get

    account = social_account_get(account_id=account_id)
    if account is not None:
        services.account_picture_keep(account=account)


@shared_task(acks_late=True)
def pauses_expire() -> None:
    """Queue the end of expired crisis pauses for every active agency."""
    each_agency(agency_pauses_expire)


@shared_task(acks_late=True)
@with_agency_scope
def agency_pauses_expire(*, agency_id: int) -> None:
    """End the agency's pauses whose time is up. Safe to run twice: ending locks the pause."""
    from publishing import services

    services.pauses_expire(agency=Agency.objects.get(pk=agency_id))


@shared_task(acks_late=True)
@with_agency_scope
def publish_targets(*, agency_id: int, target_ids: list[int]) -> None:
    """Publish these targets now. Safe to run twice: the service claims the rows first."""
    from publishing.services import targets_publish
    from publishing.services.delivery.publish import sends_room_wait

    # The sends are handed over without waiting for them: a send that hangs holds only
    # itself. The worker takes its next task only when it can send a whole batch at
    # once, so no task waits for room holding targets it has not claimed; meanwhile
    # other workers take the tasks.
    targets_publish(target_ids=target_ids, wait=False)
    sends_room_wait(settings.DELIVERY_BATCH)


@worker_ready.connect
def _ready_to_deliver(**_signal: Any) -> None:
    """Open the process's database pool and its outbox before the first task, so that
    the first posts due do not wait while they start."""
    from publishing.services.delivery.publish import sends_ready

    sends_ready()
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        logger.warning("the database is not reachable yet (%s); the first task connects", error)
    finally:
        # Back to the pool, for the first task.
        connection.close()


@worker_process_shutdown.connect
@worker_shutdown.connect
def _sends_finish(**_signal: Any) -> None:
    """Let the sends in flight be answered and recorded before a worker stops, rather
    than leave them for reconciliation."""
    from publishing.liveness import liveness
    from publishing.services.delivery.publish import sends_finish
    from publishing.services.transitions import stuck_after

    if sends_finish(timeout=stuck_after()):
        liveness.stop()
    else:
        logger.warning("a worker stopped with sends in flight; reconciliation settles them")


@shared_task(acks_late=True)
@with_agency_scope
def reconcile_target(*, agency_id: int, target_id: int) -> None:
    """Settle one target whose outcome is unknown. Safe to run twice: every move the
    service makes is conditional on the state it read."""
    from publishing.services import target_reconcile

    target_reconcile(target_id=target_id)


@shared_task(acks_late=True)
@with_agency_scope
def first_comment_target(*, agency_id: int, target_id: int) -> None:
    """Post (or settle) one published target's first comment. Safe to run twice: the
    service claims the comment first, and every move is conditional on its state."""
    from publishing.services import target_comment

    target_comment(target_id=target_id)
