"""The network calls of one worker process, made at the same time, and the thread that
records their answers: a send that hangs holds its own thread until the network
timeout, never the task that claimed it nor the rest of its batch.

A task claims its targets and hands their sends over (``hand_over``), then returns to
take the next batch. Each answer is queued the moment it comes; one recording thread
takes what has come, all at once, and records it (published posts of one agency in one
transaction). A worker process that dies with sends in flight leaves them "sending",
committed before the call, for reconciliation to look for on the network.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from django.db import connection

logger = logging.getLogger(__name__)

Send = TypeVar("Send")
Answer = TypeVar("Answer")
# The most answers recorded together: enough to spare the database a transaction per
# post in a burst, few enough that no answer waits long behind the others.
RECORD_BATCH = 200


class Outbox(Generic[Send, Answer]):
    """Make calls on at most ``capacity`` threads; record answers on one more."""

    def __init__(
        self,
        *,
        capacity: int,
        call: Callable[[Send], Answer],
        record: Callable[[Sequence[tuple[Send, Answer]]], object],
    ) -> None:
        """Take what makes a call (it returns its error rather than raising) and what
        records a group of answers."""
        self._call = call
        self._record = record
        self._callers = ThreadPoolExecutor(max_workers=capacity, thread_name_prefix="send")
        # Held from the hand-over until the answer is recorded: a task waits for room
        # instead of piling sends up behind the ones in flight.
        self._room = threading.BoundedSemaphore(capacity)
        self._in_flight = 0
        self._settled = threading.Condition()
        self._answers: queue.SimpleQueue[tuple[Send, Answer]] = queue.SimpleQueue()
        self._recorder = threading.Thread(target=self._record_forever, name="record", daemon=True)
        self._recorder.start()

    def answers(self, sends: Sequence[Send]) -> list[Answer]:
        """Make the calls at the same time and return their answers, in order, for the
        caller to record (in its own transaction)."""
        futures = [self._submit(send) for send in sends]
        try:
            return [future.result() for future in futures]
        finally:
            for _future in futures:
                self._done()

    def hand_over(self, sends: Sequence[Send]) -> None:
        """Make the calls and record each answer as it comes, without waiting for them;
        wait only while this process has no room for another call."""
        for send in sends:
            self._submit(send).add_done_callback(
                lambda done, send=send: self._answers.put((send, done.result()))
            )

    def finish(self, timeout: float) -> bool:
        """Wait until every call handed over is recorded (a worker stopping); return
        whether they all were within ``timeout`` seconds."""
        with self._settled:
            return self._settled.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def _submit(self, send: Send) -> Future[Answer]:
        self._room.acquire()
        with self._settled:
            self._in_flight += 1
        return self._callers.submit(self._call, send)

    def _done(self) -> None:
        self._room.release()
        with self._settled:
            self._in_flight -= 1
            self._settled.notify_all()

    def _record_forever(self) -> None:
        while True:
            taken = [self._answers.get()]
            while len(taken) < RECORD_BATCH:
                try:
                    taken.append(self._answers.get_nowait())
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
                for _answer in taken:
                    self._done()
