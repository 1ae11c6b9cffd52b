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
from functools import partial
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
        self._capacity = capacity
        self._callers = ThreadPoolExecutor(max_workers=capacity, thread_name_prefix="send")
        # Room is taken before a task claims its targets and given back once an answer
        # is recorded: a task waits for room rather than claim targets that would wait
        # behind the calls in flight (a worker killed then would leave them unsent).
        self._free = capacity
        self._room = threading.Condition()
        self._answers: queue.SimpleQueue[tuple[Send, Answer]] = queue.SimpleQueue()
        self._recorder = threading.Thread(target=self._record_forever, name="record", daemon=True)
        self._recorder.start()

    def reserve(self, wanted: int) -> int:
        """Wait until there is room for ``wanted`` calls (or all of it, if fewer), take
        it and return how much was taken, for ``hand_over``."""
        wanted = min(wanted, self._capacity)
        self._take(wanted)
        return wanted

    def answers(self, sends: Sequence[Send]) -> list[Answer]:
        """Make the calls at the same time and return their answers, in order, for the
        caller to record (in its own transaction)."""
        self._take(len(sends))
        try:
            return list(self._callers.map(self._call, sends))
        finally:
            self._give(len(sends))

    def hand_over(self, sends: Sequence[Send], reserved: int) -> None:
        """Make the calls in the room ``reserved`` (taking more if they need it, giving
        back what they do not) and record each answer as it comes, without waiting."""
        if len(sends) > reserved:
            self._take(len(sends) - reserved)
        else:
            self._give(reserved - len(sends))
        for send in sends:
            self._callers.submit(self._call, send).add_done_callback(partial(self._answered, send))

    def finish(self, timeout: float) -> bool:
        """Wait until every call handed over is recorded (a worker stopping); return
        whether they all were within ``timeout`` seconds."""
        with self._room:
            return self._room.wait_for(lambda: self._free == self._capacity, timeout=timeout)

    def _answered(self, send: Send, done: Future[Answer]) -> None:
        self._answers.put((send, done.result()))

    def _take(self, count: int) -> None:
        with self._room:
            self._room.wait_for(lambda: self._free >= min(count, self._capacity))
            self._free -= count

    def _give(self, count: int) -> None:
        with self._room:
            self._free += count
            self._room.notify_all()

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
                self._give(len(taken))
