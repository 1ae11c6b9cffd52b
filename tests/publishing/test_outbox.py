"""The outbox of a worker process: calls made at the same time, each answer recorded as
it comes, and a worker that takes its next task only once it has room to send it."""

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

    def call(self, number: int) -> int:
        if number in self.hanging:
            self.release.wait(timeout=120)
        return number * 2

    def record(self, answered: Sequence[tuple[int, int]]) -> None:
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
