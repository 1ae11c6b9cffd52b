"""The outbox of a worker process: calls made at the same time, each answer recorded as
it comes together with those that come soon after it, and a worker that takes its next
task only once it has room to send it, which answers waiting to be recorded take only up
to a bound."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from publishing.services.delivery.outbox import Outbox
from tests.delivery_processes import wait_for


class Network:
    """Answer each call with its number doubled, except those told to hang."""

    def __init__(self, hanging: set[int]) -> None:
        self.hanging = hanging
        self.release = threading.Event()
        self.recorded: list[list[tuple[int, int]]] = []
        # Cleared, the recorder waits (a database that is slow to answer).
        self.recording = threading.Event()
        self.recording.set()

    def call(self, number: int) -> int:
        if number in self.hanging:
            self.release.wait(timeout=120)
        return number * 2

    def record(self, answered: Sequence[tuple[int, int]]) -> None:
        self.recording.wait(timeout=120)
        self.recorded.append(list(answered))

    def answers(self) -> dict[int, int]:
        return {number: answer for group in self.recorded for number, answer in group}


def test_a_call_that_hangs_holds_neither_the_hand_over_nor_the_other_answers() -> None:
    network = Network(hanging={3})
    outbox = Outbox(capacity=10, call=network.call, record=network.record)

    outbox.hand_over([1, 2, 3, 4])

    wait_for(lambda: network.answers() == {1: 2, 2: 4, 4: 8}, timeout=60, what="the others")
    assert not outbox.finish(timeout=0)
    network.release.set()
    assert outbox.finish(timeout=60)
    assert network.answers() == {1: 2, 2: 4, 3: 6, 4: 8}


def test_the_next_task_waits_for_room_while_the_process_has_none() -> None:
    network = Network(hanging={1, 2})
    outbox = Outbox(capacity=2, call=network.call, record=network.record)
    outbox.hand_over([1, 2])
    room = threading.Event()

    def before_the_next_task() -> None:
        outbox.room_wait(1)
        room.set()

    waiting = threading.Thread(target=before_the_next_task)
    waiting.start()
    assert not room.wait(timeout=0.5)
    network.release.set()
    assert room.wait(timeout=60)
    waiting.join(timeout=60)
    outbox.hand_over([5])
    assert outbox.finish(timeout=60)
    assert network.answers() == {1: 2, 2: 4, 5: 10}


def test_more_sends_than_room_all_go_out() -> None:
    network = Network(hanging=set())
    outbox = Outbox(capacity=2, call=network.call, record=network.record)

    outbox.hand_over([7, 8, 9])

    assert outbox.finish(timeout=60)
    assert network.answers() == {7: 14, 8: 16, 9: 18}
    outbox.room_wait(2)


def room_for(outbox: Outbox[int, int], count: int) -> threading.Event:
    """Return what is set once a task waiting for room for ``count`` calls may go on."""
    room = threading.Event()

    def before_the_next_task() -> None:
        outbox.room_wait(count)
        room.set()

    threading.Thread(target=before_the_next_task, daemon=True).start()
    return room


def test_room_comes_back_as_answers_come_while_the_recorder_catches_up() -> None:
    network = Network(hanging=set())
    network.recording.clear()
    outbox = Outbox(capacity=4, call=network.call, record=network.record)

    outbox.hand_over([1, 2])

    assert room_for(outbox, 4).wait(timeout=60)
    assert network.answers() == {}
    network.recording.set()
    assert outbox.finish(timeout=60)
    assert network.answers() == {1: 2, 2: 4}


def test_no_more_answers_wait_to_be_recorded_than_calls_may_be_in_flight() -> None:
    network = Network(hanging=set())
    network.recording.clear()
    outbox = Outbox(capacity=1, call=network.call, record=network.record)
    outbox.hand_over([1])
    room = room_for(outbox, 1)

    # Answered or not, the one call's room stays taken until its answer is recorded.
    assert not room.wait(timeout=0.5)
    assert not outbox.finish(timeout=0)
    network.recording.set()
    assert room.wait(timeout=60)
    assert outbox.finish(timeout=60)
    assert network.answers() == {1: 2}


def test_answers_coming_soon_after_the_first_are_recorded_with_it() -> None:
    network = Network(hanging=set())
    outbox = Outbox(
        capacity=10, call=network.call, record=network.record, gather_seconds=120, most_recorded=2
    )

    outbox.hand_over([1])
    # The first call has answered (its room is back) while the recorder gathers.
    assert room_for(outbox, 10).wait(timeout=60)
    outbox.hand_over([2])

    assert outbox.finish(timeout=60)
    assert network.recorded == [[(1, 2), (2, 4)]]
