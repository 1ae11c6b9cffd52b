"""Settling a send whose answer never came, by reading the account's posts: found there,
it is published with the network's id; missing once the network had its time, it is
sent again; a network that cannot be read is read again later."""

from __future__ import annotations

import pytest

from publishing.models import TargetState
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.publishing.delivery import (
    CREATE_PATH,
    TIMED_OUT_MS,
    events_of,
    on_network,
    one_target,
    publish,
    reconcile,
    until_settled,
    wait_until_due,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("network", ["x", "mastodon", "facebook", "bluesky"])
def test_an_answer_that_never_came_is_reconciled_to_the_post_on_the_network(
    personas: Personas, quiet: Emulator, network: str
) -> None:
    # A link, a paragraph and a line break: each network gives the text back its own way.
    target = one_target(
        personas,
        quiet,
        network,
        text="Snow clearing tonight.\n\nPark on odd-numbered sides.\nDetails:",
        link="https://alpha.example/snow",
    )
    quiet.fault(
        "accepted_timeout", network=network, path=CREATE_PATH[network], hold_ms=TIMED_OUT_MS
    )

    unknown = publish(target)

    assert unknown is not None and unknown.state == TargetState.UNCONFIRMED
    assert unknown.remote_id == ""
    (remote,) = on_network(quiet, target.account)
    wait_until_due(target)
    done = reconcile(target)
    assert done is not None and done.state == TargetState.PUBLISHED
    assert remote["id"] in done.remote_id
    assert done.permalink
    assert len(on_network(quiet, target.account)) == 1
    assert events_of(target)[-1][1]["reconciled"] is True


def test_a_send_the_network_never_made_is_sent_again_once_it_had_its_time(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "mastodon")
    # Slower than the timeout: the client gives up, and the instance, finding the client
    # gone before it read the request, makes nothing.
    quiet.fault(
        "latency", network="mastodon", path=CREATE_PATH["mastodon"], ms=TIMED_OUT_MS, count=1
    )

    unknown = publish(target)
    assert unknown is not None and unknown.state == TargetState.UNCONFIRMED
    for _ in until_settled():
        wait_until_due(target)
        checked = reconcile(target)
        assert checked is not None
        if checked.state != TargetState.UNCONFIRMED:
            break
        assert on_network(quiet, target.account) == []
    assert checked.state == TargetState.RETRY_WAIT
    done = publish(target)

    assert done is not None and done.state == TargetState.PUBLISHED
    assert done.attempts == 2
    assert len(on_network(quiet, target.account)) == 1
    verbs = [verb for verb, _ in events_of(target)]
    assert verbs[:2] == ["target.sending", "target.unconfirmed"]
    assert set(verbs[2:-3]) == {"target.checked"}, "looked until the network had its time"
    assert verbs[-3:] == ["target.retry_wait", "target.sending", "target.published"]


def test_a_network_that_cannot_be_read_is_read_again_later(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "x")
    quiet.fault("accepted_timeout", network="x", path=CREATE_PATH["x"], hold_ms=TIMED_OUT_MS)
    publish(target)
    quiet.fault("server_error", network="x", method="GET", count=1)

    wait_until_due(target)
    checked = reconcile(target)

    assert checked is not None and checked.state == TargetState.UNCONFIRMED
    assert "503" in checked.failure_reason
    wait_until_due(target)
    done = reconcile(target)
    assert done is not None and done.state == TargetState.PUBLISHED
