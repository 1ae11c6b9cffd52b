"""The network calls of one worker process, made at the same time, and the thread that
records their answers: a send that hangs holds its own thread until the network
timeout, never the task that claimed it nor the rest of its batch.

A task claims its targets and hands their sends over (``hand_over``), then waits until
the process has room for another batch (``room_wait``) before it returns: the next task
is taken from the broker only when its sends can start at once, so a task never holds
targets unclaimed while it waits (a worker killed then would leave them until their
lease ends), and while one worker's sends hang the others take the tasks. Each answer
is queued the moment it comes, and its call's room is free again; one recording thread
takes what comes within a moment of the first and records it together (the published
posts of every agency in one transaction). Sending goes first: while the recorder
catches up, tasks go on claiming and sending, until as many answers wait to be
recorded as calls may be in flight. A worker process that dies with sends in flight
leaves them "sending", committed before the call, for reconciliation to look for on the
network.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Generic, TypeVar

from django.db import connection

logger = logging.getLogger(__name__)

Send = TypeVar("Send")
Answer = TypeVar("Answer")
# The most answers recorded together: enough to spare the database a transaction per
# post in a burst, few enough that no answer waits long behind the others.
RECORD_BATCH = 200
# How long the recorder gathers the answers coming after the first before it records
# them together: a transaction costs about as much for one answer as for twenty, and in
# a burst a worker has a few new answers every few milliseconds.
RECORD_GATHER_SECONDS = 0.1


class Outbox(Generic[Send, Answer]):
    """Make calls on at most ``capacity`` threads; record answers on one more."""

    def __init__(
        self,
        *,
        capacity: int,
        call: Callable[[Send], Answer],
        record: Callable[[Sequence[tuple[Send, Answer]]], object],
        gather_seconds: float = RECORD_GATHER_SECONDS,
        most_recorded: int = RECORD_BATCH,
    ) -> None:
        """Take what makes a call (it returns its error rather than raising), what
        records a group of answers, and how long and how many answers to gather into
        one group."""
        self._call = call
        self._record = record
        self._gather_seconds = gather_seconds
        self._most_recorded = most_recorded
        self._capacity = capacity
        self._callers = ThreadPoolExecutor(max_workers=capacity, thread_name_prefix="send")
        # Room is taken as calls are handed over and given back as their answers come;
        # no more answers may wait to be recorded than calls may be in flight.
        self._free = capacity
        self._unrecorded = 0
        self._room = threading.Condition()
        self._answers: queue.SimpleQueue[tuple[Send, Answer]] = queue.SimpleQueue()
        self._recorder = threading.Thread(target=self._record_forever, name="record", daemon=True)
        self._recorder.start()

    def room_wait(self, wanted: int) -> None:
        """Wait until there is room for ``wanted`` calls (or all of it, if fewer)."""
        with self._room:
            self._room.wait_for(partial(self._has_room, wanted))

    def answers(self, sends: Sequence[Send]) -> list[Answer]:
        """Make the calls at the same time and return their answers, in order, for the
        caller to record (in its own transaction)."""
        self._take(len(sends))
        try:
            return list(self._callers.map(self._call, sends))
        finally:
            self._give(len(sends))

    def hand_over(self, sends: Sequence[Send]) -> None:
        """Make the calls, once there is room for them, and record each answer as it
        comes, without waiting for it."""
        self._take(len(sends))
        for send in sends:
            self._callers.submit(self._call, send).add_done_callback(partial(self._answered, send))

    def finish(self, timeout: float) -> bool:
        """Wait until every call handed over is recorded (a worker stopping); return
        whether they all were within ``timeout`` seconds."""
        with self._room:
            return self._room.wait_for(
                lambda: self._free == self._capacity and not self._unrecorded, timeout=timeout
            )

    def _answered(self, send: Send, done: Future[Answer]) -> None:
        with self._room:
            self._free += 1
            self._unrecorded += 1
            self._room.notify_all()
        self._answers.put((send, done.result()))

    def _take(self, count: int) -> None:
        with self._room:
            self._room.wait_for(partial(self._has_room, count))
            self._free -= count

    def _has_room(self, count: int) -> bool:
        return self._free >= min(count, self._capacity) and self._unrecorded < self._capacity

    def _give(self, count: int) -> None:
        with self._room:
            self._free += count
            self._room.notify_all()

    def _record_forever(self) -> None:
        while True:
            taken = [self._answers.get()]
            until = time.monotonic() + self._gather_seconds
            while len(taken) < self._most_recorded:
                try:
                    taken.append(self._answers.get(timeout=max(0.0, until - time.monotonic())))
                except queue.Empty:
                    break
            try:
                self._record(taken)
            except Exception:
                # The targets stay "sending": the dispatcher checks on them once their
                # time is up and reconciliation reads the network.
                logger.exception("could not record %d answers; they are reconciled", len(taken))
                connection.close()
            finally:
                with self._room:
                    self._unrecorded -= len(taken)
                    self._room.notify_all()
