"""What the delivery tests share: each network's publishing call (to aim faults at it),
the timings that keep tests short, running the services as their tasks do, and reading
what the emulator and the archive hold."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from publishing.models import PostTarget, SocialAccount, TargetState
from publishing.networks.base import Network
from publishing.networks.registry import adapter_for
from publishing.services import target_comment, target_reconcile, targets_publish
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import emulated_account_for, scheduled_post_for

# The request that creates the post on each network (an emulator fault's ``path``).
CREATE_PATH = {
    "x": "/x/2/tweets",
    "mastodon": "/api/v1/statuses",
    "facebook": "/feed",
    "bluesky": "com.atproto.repo.createRecord",
}
HANDLES = {
    "x": "alpha_city",
    "mastodon": "alpha_city",
    "facebook": "alphacity",
    "bluesky": "alpha.bsky.social",
}

# Seconds: the network timeout, and the delivery timings scaled down to match it. The
# emulator answers at once, and even on a loaded machine (two test runs side by side) an
# answer comes well within the timeout and a send starts well within the margin; at one
# second each, a slow answer was taken for a lost one. A fault meant to outlast the
# timeout holds its answer ``TIMED_OUT_MS``.
NETWORK_TIMEOUT = 5.0
TIMED_OUT_MS = int(NETWORK_TIMEOUT * 1000) + 1500
FAST_DELIVERY = {
    "DELIVERY_RETRY_BASE_SECONDS": 0.3,
    "DELIVERY_RETRY_MAX_SECONDS": 2.0,
    "DELIVERY_SENDING_MARGIN_SECONDS": 5.0,
    "DELIVERY_CLOCK_MARGIN_SECONDS": 5.0,
    "DELIVERY_RECONCILE_INTERVAL_SECONDS": 0.2,
    # A request that left before its worker was killed may reach the emulator of a
    # loaded machine late: it has had its time to be carried out before the settle.
    "DELIVERY_RECONCILE_SETTLE_SECONDS": 3.0,
    "DISPATCH_POLL_SECONDS": 0.05,
    "DISPATCH_LEASE_SECONDS": 3.0,
}


def fast_delivery(settings: Any) -> None:
    """Give the networks a short timeout and delivery timings to match (pytest-django's
    ``settings``)."""
    for name, value in FAST_DELIVERY.items():
        setattr(settings, name, value)
    settings.NETWORKS = {
        network: values | {"timeout_seconds": NETWORK_TIMEOUT}
        for network, values in settings.NETWORKS.items()
    }
    # A network's library loads on the process's first call, atproto's in over a second:
    # loaded now, not inside the seconds a send has here to start (the shipped margin is
    # a minute).
    for network in Network:
        adapter_for(network)


def fast_delivery_environment() -> dict[str, str]:
    """Return the same timings as environment variables, for worker processes."""
    return {name: str(value) for name, value in FAST_DELIVERY.items()} | {
        "NETWORK_TIMEOUT_SECONDS": str(NETWORK_TIMEOUT)
    }


def on_network(emulator: Emulator, account: SocialAccount) -> list[dict[str, Any]]:
    """Return the account's own live posts on the emulator, newest first."""
    return emulator.posts(network=account.network, account=account.handle, origin="account")


def refreshed(target: PostTarget) -> PostTarget:
    """Return the target as stored now."""
    with agency_scope(target.agency_id):
        found: PostTarget = PostTarget.objects.select_related("post").get(pk=target.pk)
    return found


def events_of(target: PostTarget) -> list[tuple[str, dict[str, Any]]]:
    """Return the archive's events about ``target``, oldest first: (verb, data)."""
    with agency_scope(target.agency_id):
        return list(
            ArchiveEvent.objects.filter(
                object_type="publishing.posttarget", object_id=str(target.pk)
            )
            .order_by("id")
            .values_list("verb", "data")
        )


def one_target(personas: Personas, emulator: Emulator, network: str = "x", **fields: Any) -> Any:
    """Schedule a post of agency A, due now, for one emulated account; return its target."""
    account = emulated_account_for(personas.agency_a, emulator, network, HANDLES[network])
    post = scheduled_post_for(personas.agency_a, [account], **fields)
    with agency_scope(personas.agency_a.pk):
        return PostTarget.objects.select_related("account").get(post=post)


def publish(target: PostTarget) -> PostTarget | None:
    """Run the publishing service for ``target`` as its task does, agency bound."""
    with agency_scope(target.agency_id):
        ended = targets_publish(target_ids=[target.pk])
    return ended[0] if ended else None


def reconcile(target: PostTarget) -> PostTarget | None:
    """Run the reconciliation service for ``target`` as its task does."""
    with agency_scope(target.agency_id):
        return target_reconcile(target_id=target.pk)


def comment(target: PostTarget) -> PostTarget | None:
    """Run the first comment's service for ``target`` as its task does."""
    with agency_scope(target.agency_id):
        return target_comment(target_id=target.pk)


def seconds_to_wait(target: PostTarget) -> float:
    """Publish ``target``, which must come back waiting to retry; return how long."""
    before = timezone.now()
    waiting = publish(target)
    assert waiting is not None and waiting.state == TargetState.RETRY_WAIT
    assert waiting.next_attempt_at is not None
    return (waiting.next_attempt_at - before).total_seconds()


# How long a test goes on looking again for what a send or a comment came to: the
# answer's reckoning alone takes the network timeout, the sending margin and the settle.
SETTLE_WITHIN = 120.0


def until_settled() -> Iterator[None]:
    """Yield until ``SETTLE_WITHIN`` seconds have passed, for a loop that looks again
    after each wait for the next attempt: it ends when what it waits for happens, or at
    the deadline (the assertions after it then say what did not)."""
    deadline = time.monotonic() + SETTLE_WITHIN
    while time.monotonic() < deadline:
        yield


def wait_until_due(target: PostTarget) -> None:
    """Sleep until the target's next attempt is due."""
    due = refreshed(target).next_attempt_at
    assert due is not None
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.05)
