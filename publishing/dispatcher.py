"""Hand due targets to the workers as "do it now", the moment they are due.

The schedule lives in PostgreSQL (``DispatchTicket``, kept by a trigger on the targets),
not in the broker: a loop reads the due tickets of every agency with one indexed query,
leases each agency's with that agency bound, and only after that commits hands them to
Celery. A message the broker loses is handed over again when its lease ends; a message
delivered twice finds the target claimed and does nothing. Run it with ``manage.py
dispatch``; one or several may run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from govsocial.polling import PollingLoop
from govsocial.tenancy import agency_scope
from publishing.models import FIRST_COMMENT, TargetState

logger = logging.getLogger(__name__)

# A ticket in any other waiting state ("sending", "unconfirmed") means: go and look.
SEND_STATES = frozenset({TargetState.SCHEDULED, TargetState.RETRY_WAIT, TargetState.QUEUED})
# The broker is asked a few times, quickly: a post waits for its lease rather than
# the dispatcher waiting on a broker that is down.
HAND_OVER_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1}


def due_tickets(*, limit: int) -> dict[int, list[int]]:
    """Return the ids of due tickets nobody holds, oldest due first, by agency."""
    # With no agency bound the ticket table shows nothing: the database function is the
    # one read across agencies, and it answers with ids only.
    with connection.cursor() as cursor:
        cursor.execute("SELECT agency_id, ticket_id FROM publishing_due_tickets(%s)", [limit])
        rows = cursor.fetchall()
    by_agency: dict[int, list[int]] = defaultdict(list)
    for agency_id, ticket_id in rows:
        by_agency[agency_id].append(ticket_id)
    return by_agency


def tickets_claim(*, agency_id: int, ticket_ids: list[int], lease_seconds: float) -> int:
    """Lease those of ``ticket_ids`` (the agency's) still due and unheld, and hand their
    targets to the workers once the lease is committed; return how many were leased.

    The lease records no archive event: it changes nothing anyone sees, and the target's
    own moves, which the workers make, are recorded.
    """
    with agency_scope(agency_id), transaction.atomic(), connection.cursor() as cursor:
        # Conditional: of two dispatchers reaching the same ticket, the second finds it
        # leased (PostgreSQL re-checks the condition on the row the first updated). The
        # statement's time, as Django's Now() gives it, not the transaction's.
        cursor.execute(
            "UPDATE publishing_dispatchticket"
            " SET lease_until = statement_timestamp() + make_interval(secs => %s)"
            " WHERE id = ANY(%s) AND due_at <= statement_timestamp()"
            " AND (lease_until IS NULL OR lease_until <= statement_timestamp())"
            " RETURNING target_id, state",
            [lease_seconds, ticket_ids],
        )
        leased = cursor.fetchall()
        sends = [target_id for target_id, state in leased if state in SEND_STATES]
        for start in range(0, len(sends), settings.DELIVERY_BATCH):
            batch = sends[start : start + settings.DELIVERY_BATCH]
            transaction.on_commit(partial(hand_over_sends, agency_id, batch))
        for target_id, state in leased:
            if state not in SEND_STATES:
                transaction.on_commit(partial(hand_over_one, agency_id, target_id, state))
    return len(leased)


def hand_over_sends(agency_id: int, target_ids: list[int]) -> None:
    """Queue the sending of these leased targets, in one task."""
    from publishing.tasks import publish_targets

    _queue(publish_targets, {"agency_id": agency_id, "target_ids": target_ids}, target_ids)


def hand_over_one(agency_id: int, target_id: int, state: str) -> None:
    """Queue what one leased target needs that is not a send: looking for it on the
    network, or posting its first comment."""
    from publishing.tasks import first_comment_target, reconcile_target

    task = first_comment_target if state == FIRST_COMMENT else reconcile_target
    _queue(task, {"agency_id": agency_id, "target_id": target_id}, [target_id])


def _queue(task: Any, kwargs: dict[str, Any], target_ids: list[int]) -> None:
    """Queue ``task`` on the delivery queue, asking a broker that is away only briefly;
    when it stays away, give the targets' leases back for the next pass."""
    try:
        task.apply_async(
            kwargs=kwargs,
            queue=settings.DELIVERY_QUEUE,
            retry=True,
            retry_policy=HAND_OVER_RETRY,
        )
    except Exception:
        logger.warning("could not queue %s; the next pass hands it over again", kwargs)
        _leases_end(target_ids)


def _leases_end(target_ids: list[int]) -> None:
    """End the leases of targets that were not handed over, so that a broker back
    within a pass costs them no more than that pass (their agency is still bound: a
    hand-over runs as its claim commits). Should this fail too, the lease runs out."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE publishing_dispatchticket SET lease_until = NULL WHERE target_id = ANY(%s)",
                [target_ids],
            )
    except DatabaseError:
        logger.exception("could not end the leases of %s; they run out instead", target_ids)


class Dispatcher(PollingLoop):
    """Poll for due tickets until asked to stop; a pass that found a full batch is
    followed at once."""

    name = "dispatcher"

    def __init__(
        self,
        *,
        poll_seconds: float | None = None,
        lease_seconds: float | None = None,
        batch: int | None = None,
    ) -> None:
        """Take the settings' timings unless given others."""
        super().__init__(poll_seconds=poll_seconds or settings.DISPATCH_POLL_SECONDS)
        self.lease_seconds = lease_seconds or settings.DISPATCH_LEASE_SECONDS
        self.batch = batch or settings.DISPATCH_BATCH

    def pass_once(self) -> bool:
        return self.dispatch_once() >= self.batch

    def dispatch_once(self) -> int:
        """Lease and hand over what is due now; return how many tickets were handed."""
        handed = 0
        for agency_id, ticket_ids in due_tickets(limit=self.batch).items():
            handed += tickets_claim(
                agency_id=agency_id, ticket_ids=ticket_ids, lease_seconds=self.lease_seconds
            )
        return handed
