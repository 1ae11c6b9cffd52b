"""Hand due targets to the workers as "do it now", the moment they are due.

The schedule lives in PostgreSQL (``DispatchTicket``, kept by a trigger on the targets),
not in the broker: a loop reads the due tickets of every agency with one indexed query,
leases each agency's with that agency bound, and only after that commits hands them to
Celery. A message the broker loses (with a broker restarting, or a worker killed as it
took it) is handed over again once the delivery queue is empty and it is still not
taken, or at the latest when its lease ends; a message delivered twice finds the target
claimed and does nothing. Run it with ``manage.py dispatch``; one or several may run.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from kombu.exceptions import ChannelError

from govsocial.polling import PollingLoop
from govsocial.tenancy import agency_scope
from publishing.models import FIRST_COMMENT, TargetState

logger = logging.getLogger(__name__)

# A ticket in any other waiting state ("sending", "unconfirmed") means: go and look.
SEND_STATES = frozenset({TargetState.SCHEDULED, TargetState.RETRY_WAIT, TargetState.QUEUED})
# The broker is asked a few times, quickly: a post waits for its lease rather than
# the dispatcher waiting on a broker that is down.
HAND_OVER_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1}
# A hand-over still not taken up this long after it was made, once no delivery task
# waits in the broker, was lost: a worker takes its task from the queue and claims the
# targets within moments. One that is only slow to claim gets a second task, which finds
# the targets claimed and does nothing.
UNTAKEN_AFTER_SECONDS = 1.0


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


def tickets_claim(*, agency_id: int, ticket_ids: list[int], lease_seconds: float) -> list[int]:
    """Lease those of ``ticket_ids`` (the agency's) still due and unheld, and hand their
    targets to the workers once the lease is committed; return the targets leased.

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
    return [target_id for target_id, _state in leased]


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


def _leases_end(target_ids: list[int]) -> list[int]:
    """End the leases of targets that were not handed over, so that a broker back
    within a pass costs them no more than that pass (their agency is still bound: a
    hand-over runs as its claim commits); return the targets whose lease ended. Should
    this fail too, the lease runs out.

    A target a worker claimed has no lease left (the ticket's trigger drops it as the
    target moves), so it is left alone; one being claimed now is waited for.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE publishing_dispatchticket SET lease_until = NULL"
                " WHERE target_id = ANY(%s) AND lease_until IS NOT NULL RETURNING target_id",
                [target_ids],
            )
            return [target_id for (target_id,) in cursor.fetchall()]
    except DatabaseError:
        logger.exception("could not end the leases of %s; they run out instead", target_ids)
        return []


def delivery_queue_empty() -> bool:
    """Say whether no delivery task waits in the broker; False when it cannot tell."""
    from govsocial.celery import app

    try:
        with app.connection_for_read() as broker:
            broker.ensure_connection(max_retries=0)
            # Any transport's channel has it, though kombu's stubs leave it out.
            channel: Any = broker.default_channel
            count = channel.queue_declare(queue=settings.DELIVERY_QUEUE, passive=True).message_count
    except ChannelError:
        # No such queue: Redis keeps no empty list, so the queue is empty.
        return True
    except Exception as error:
        logger.warning("could not ask the broker how many tasks wait: %s", error)
        return False
    return bool(count == 0)


@dataclass(frozen=True)
class HandOver:
    """Targets leased and handed to the workers, by one dispatcher at one moment."""

    at: float
    agency_id: int
    target_ids: list[int]


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
        # This dispatcher's hand-overs whose lease may still run, oldest first, and the
        # targets it handed over again before their lease ended, with when: each is
        # handed over again early once in a lease, so a task that runs and leaves its
        # target as it was does not come back every second.
        self._handed: list[HandOver] = []
        self._again: dict[int, float] = {}

    def pass_once(self) -> bool:
        self.untaken_hand_over_again()
        return self.dispatch_once() >= self.batch

    def dispatch_once(self) -> int:
        """Lease and hand over what is due now; return how many tickets were handed."""
        handed = 0
        for agency_id, ticket_ids in due_tickets(limit=self.batch).items():
            leased = tickets_claim(
                agency_id=agency_id, ticket_ids=ticket_ids, lease_seconds=self.lease_seconds
            )
            if leased:
                self._handed.append(HandOver(time.monotonic(), agency_id, leased))
            handed += len(leased)
        return handed

    def untaken_hand_over_again(self) -> int:
        """End the leases of this dispatcher's hand-overs that were lost, known as such
        once no delivery task waits in the broker and they are still not taken up after
        ``UNTAKEN_AFTER_SECONDS``, so that the next pass hands them over again rather
        than the lease's end; return how many ended."""
        now = time.monotonic()
        self._handed = [h for h in self._handed if h.at > now - self.lease_seconds]
        self._again = {t: at for t, at in self._again.items() if at > now - self.lease_seconds}
        untaken = [h for h in self._handed if h.at <= now - UNTAKEN_AFTER_SECONDS]
        if not untaken or not delivery_queue_empty():
            return 0
        self._handed = self._handed[len(untaken) :]
        by_agency: dict[int, list[int]] = defaultdict(list)
        for hand_over in untaken:
            fresh = [t for t in hand_over.target_ids if t not in self._again]
            by_agency[hand_over.agency_id].extend(fresh)
        ended = []
        for agency_id, target_ids in by_agency.items():
            if target_ids:
                with agency_scope(agency_id):
                    ended.extend(_leases_end(target_ids))
        self._again |= dict.fromkeys(ended, now)
        if ended:
            logger.warning(
                "%d targets handed over were not taken up; handing them over again", len(ended)
            )
        return len(ended)
