"""Delivery through the real processes and on committed data: the dispatcher hands due
targets to Celery workers, which publish them once even when tasks run twice, a worker
dies mid-send or mid-comment (known dead by its proof of life) or the broker loses its
messages; a crisis pause that begins mid-send holds the retry."""

from __future__ import annotations

import base64
import json
import signal
import socket
import threading
from typing import Any

import redis
from django.conf import settings
from django.db import connection

from accounts.models import Agency, Role
from govsocial.tenancy import agency_scope
from publishing.models import CommentState, PostTarget, TargetState
from publishing.services import pause_end, pause_start, targets_publish
from publishing.services.delivery import publish as sending
from publishing.services.delivery.publish import sends_finish
from publishing.tasks import publish_targets
from tests.delivery_processes import Delivery, forget, states, wait_for
from tests.emulator_client import Emulator
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    emulated_account_for,
    scheduled_post_for,
)
from tests.publishing.delivery import (
    CREATE_PATH,
    HANDLES,
    events_of,
    on_network,
    publish,
    wait_until_due,
)

PUBLISHED = {TargetState.PUBLISHED}


def due_now(agency: Agency, emulator: Emulator, networks: list[str], posts: int = 1) -> list[Any]:
    """Schedule ``posts`` posts due now for one account on each network; return the
    targets."""
    accounts = [emulated_account_for(agency, emulator, n, HANDLES[n]) for n in networks]
    made = [
        scheduled_post_for(agency, accounts, text=f"Notice {n}: the library opens late.")
        for n in range(posts)
    ]
    with agency_scope(agency.pk):
        return list(PostTarget.objects.filter(post__in=made).select_related("account"))


def all_in(agency: Agency, targets: list[PostTarget], wanted: set[str]) -> bool:
    return set(states(agency, targets).values()) <= wanted


def queued_targets(broker: redis.Redis, queue: str) -> set[int]:
    """Return the targets of the publishing tasks waiting in the broker's ``queue``."""
    found: set[int] = set()
    for raw in broker.lrange(queue, 0, -1):
        message = json.loads(raw)
        _args, kwargs, _options = json.loads(base64.b64decode(message["body"]))
        found.update(kwargs["target_ids"])
    return found


def test_a_due_post_goes_out_once_on_every_account_with_its_permalink(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    delivery.worker()
    delivery.dispatcher()

    targets = due_now(live_agency, emulator, ["x", "facebook", "mastodon"])

    wait_for(lambda: all_in(live_agency, targets, PUBLISHED), timeout=120, what="publishing")
    with agency_scope(live_agency.pk):
        done = list(
            PostTarget.objects.select_related("account").filter(pk__in=[t.pk for t in targets])
        )
    for target in done:
        (remote,) = on_network(emulator, target.account)
        assert remote["id"] in target.remote_id
        assert target.permalink.startswith("http")


def other_sessions() -> int:
    """Return how many other sessions are connected to the test's database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (count,) = cursor.fetchone()
    return int(count)


def test_a_worker_is_connected_to_the_database_before_its_first_task(
    live_db: None, delivery: Delivery
) -> None:
    before = other_sessions()

    delivery.worker()

    # The first posts due do not wait for the worker's pool to open.
    wait_for(lambda: other_sessions() > before, timeout=60, what="the worker connecting")


def test_the_dispatcher_hands_a_published_posts_first_comment_to_a_worker_once(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    delivery.worker()
    delivery.dispatcher()
    delivery.dispatcher()
    account = emulated_account_for(live_agency, emulator, "mastodon", HANDLES["mastodon"])
    post = scheduled_post_for(live_agency, [account], first_comment="Details: #library")

    def commented() -> bool:
        with agency_scope(live_agency.pk):
            target = PostTarget.objects.get(post=post)
        return target.comment_state == CommentState.POSTED

    wait_for(commented, timeout=120, what="the first comment")
    (comment, published) = on_network(emulator, account)
    assert comment["in_reply_to"] == published["id"]
    assert comment["text"] == "Details: #library"


def test_two_dispatchers_and_duplicate_tasks_never_publish_twice(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    delivery.worker()
    delivery.dispatcher()
    delivery.dispatcher()
    targets = due_now(live_agency, emulator, ["x", "mastodon"], posts=10)

    # The same tasks again, as a broker redelivering every message would.
    for target in targets:
        for _ in range(2):
            publish_targets.apply_async(
                kwargs={"agency_id": live_agency.pk, "target_ids": [target.pk]},
                queue=delivery.queue,
            )

    wait_for(lambda: all_in(live_agency, targets, PUBLISHED), timeout=120, what="publishing")
    for account in {t.account for t in targets}:
        texts = [post["text"] for post in on_network(emulator, account)]
        assert sorted(texts) == sorted(set(texts)), "a post went out twice"
        assert len(texts) == 10
    for target in targets:
        # Claimed once, published once. A send whose answer came after the tests'
        # network timeout (a loaded machine) is unconfirmed first, then found on the
        # network.
        verbs = [verb for verb, _ in events_of(target)]
        assert verbs in (
            ["target.sending", "target.published"],
            ["target.sending", "target.unconfirmed", "target.published"],
        ), verbs


def test_a_send_that_hangs_holds_neither_its_batch_nor_the_worker(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    # One account's network takes minutes to answer, within a timeout longer still.
    hung = emulated_account_for(live_agency, emulator, "x", "hung_city")
    emulator.fault("latency", network="x", account="hung_city", path=CREATE_PATH["x"], ms=240_000)
    delivery.env["NETWORK_TIMEOUT_SECONDS"] = "300"
    delivery.worker()
    delivery.dispatcher()
    others = [emulated_account_for(live_agency, emulator, n, HANDLES[n]) for n in ("x", "mastodon")]
    first = scheduled_post_for(live_agency, [hung, *others], text="Boil water notice lifted.")
    with agency_scope(live_agency.pk):
        batch = list(PostTarget.objects.filter(post=first).select_related("account"))
    waiting = [t for t in batch if t.account_id == hung.pk]
    answered = [t for t in batch if t.account_id != hung.pk]

    # The rest of its batch is recorded while the hung send still waits...
    wait_for(lambda: all_in(live_agency, answered, PUBLISHED), timeout=120, what="the others")
    assert all_in(live_agency, waiting, {TargetState.SENDING})
    # ...and the worker's one task slot takes the next post meanwhile.
    second = scheduled_post_for(live_agency, others, text="Pool reopens Monday.")
    with agency_scope(live_agency.pk):
        later = list(PostTarget.objects.filter(post=second))
    wait_for(lambda: all_in(live_agency, later, PUBLISHED), timeout=120, what="the next post")
    assert all_in(live_agency, waiting, {TargetState.SENDING})
    for account in others:
        assert len(on_network(emulator, account)) == 2


def test_answers_that_cannot_be_recorded_for_one_agency_leave_the_others_recorded(
    live_agency: Agency, networks: Emulator, monkeypatch: Any, caplog: Any
) -> None:
    other = AgencyFactory(slug=f"{live_agency.slug}-b")
    try:
        targets = {}
        for agency, handle in ((live_agency, "first_city"), (other, "second_city")):
            account = emulated_account_for(agency, networks, "x", handle)
            post = scheduled_post_for(agency, [account], text="Leaf collection starts today.")
            with agency_scope(agency.pk):
                targets[agency.pk] = PostTarget.objects.select_related("account").get(post=post)
        kept = sending.published_keep

        def storage_fails_for_the_other(published: Any) -> dict[int, str]:
            if published[0][0].agency_id == other.pk:
                raise OSError("no space left on the device")
            return kept(published)

        monkeypatch.setattr(sending, "published_keep", storage_fails_for_the_other)
        # Handed to this process's outbox as the workers' tasks hand theirs.
        for agency_id, target in targets.items():
            with agency_scope(agency_id):
                targets_publish(target_ids=[target.pk], wait=False)
        assert sends_finish(timeout=120)

        assert states(live_agency, [targets[live_agency.pk]]) == {
            targets[live_agency.pk].pk: TargetState.PUBLISHED
        }
        # Sent, not recorded: left "sending", for reconciliation to find on the network.
        assert states(other, [targets[other.pk]]) == {targets[other.pk].pk: TargetState.SENDING}
        assert len(on_network(networks, targets[other.pk].account)) == 1
        assert f"could not record targets [{targets[other.pk].pk}] as published" in caplog.text
    finally:
        forget(other)


def test_a_worker_without_room_to_send_leaves_the_next_task_to_another(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    # The first worker's only send slot hangs on one account's network; leases outlast
    # the test, so the next post can only go out through the task the dispatcher queued.
    hung = emulated_account_for(live_agency, emulator, "x", "hung_city")
    emulator.fault("latency", network="x", account="hung_city", path=CREATE_PATH["x"], ms=240_000)
    delivery.env.update(
        NETWORK_TIMEOUT_SECONDS="300", DELIVERY_SENDS_AT_ONCE="1", DISPATCH_LEASE_SECONDS="600"
    )
    delivery.worker()
    delivery.dispatcher()
    first = scheduled_post_for(live_agency, [hung], text="Boil water notice lifted.")
    with agency_scope(live_agency.pk):
        waiting = list(PostTarget.objects.filter(post=first))
    wait_for(
        lambda: all_in(live_agency, waiting, {TargetState.SENDING}), timeout=120, what="the send"
    )

    # The next post's task stays in the broker rather than wait in the full worker...
    (target,) = due_now(live_agency, emulator, ["mastodon"])
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    wait_for(
        lambda: target.pk in queued_targets(broker, delivery.queue),
        timeout=120,
        what="the next task queued",
    )
    assert states(live_agency, [target])[target.pk] == TargetState.SCHEDULED

    # ...so a worker with room takes it.
    delivery.worker()
    wait_for(lambda: all_in(live_agency, [target], PUBLISHED), timeout=120, what="the next post")
    assert all_in(live_agency, waiting, {TargetState.SENDING})


def test_a_worker_killed_mid_send_leaves_the_post_found_on_the_network_not_sent_again(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    # The network makes the post, then holds its answer: the worker is killed waiting
    # (its timeout leaves the test time to see the post and kill it on a busy machine).
    emulator.fault("accepted_timeout", network="x", path=CREATE_PATH["x"], hold_ms=30_000)
    # The shipped margin: the worker is known dead long before it could be taken as lost.
    delivery.env |= {"NETWORK_TIMEOUT_SECONDS": "15", "DELIVERY_SENDING_MARGIN_SECONDS": "60"}
    worker = delivery.worker()
    delivery.dispatcher()
    (target,) = due_now(live_agency, emulator, ["x"])

    wait_for(lambda: bool(on_network(emulator, target.account)), timeout=120, what="the send")
    delivery.kill(worker)
    assert states(live_agency, [target])[target.pk] == TargetState.SENDING
    emulator.clear_faults()
    delivery.worker()

    wait_for(lambda: all_in(live_agency, [target], PUBLISHED), timeout=120, what="reconciling")
    verbs = [verb for verb, _ in events_of(target)]
    assert verbs == ["target.sending", "target.unconfirmed", "target.published"]
    (remote,) = on_network(emulator, target.account)
    with agency_scope(live_agency.pk):
        reconciled = PostTarget.objects.get(pk=target.pk)
    assert remote["id"] in reconciled.remote_id
    assert reconciled.sender_gone_at is not None, "known dead, not waited out"


def test_a_worker_killed_mid_comment_leaves_the_comment_found_under_the_post_not_posted_again(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    # The network makes the first comment, then holds its answer: the worker is killed
    # waiting (the post itself goes out at once).
    emulator.fault(
        "accepted_timeout", network="facebook", method="POST", path="/comments", hold_ms=30_000
    )
    delivery.env |= {"NETWORK_TIMEOUT_SECONDS": "15", "DELIVERY_SENDING_MARGIN_SECONDS": "60"}
    worker = delivery.worker()
    delivery.dispatcher()
    account = emulated_account_for(live_agency, emulator, "facebook", HANDLES["facebook"])
    post = scheduled_post_for(live_agency, [account], first_comment="Details: #library")
    with agency_scope(live_agency.pk):
        target = PostTarget.objects.get(post=post)

    def comments() -> list[dict[str, Any]]:
        return [made for made in on_network(emulator, account) if made["in_reply_to"]]

    def now() -> PostTarget:
        with agency_scope(live_agency.pk):
            return PostTarget.objects.get(pk=target.pk)

    wait_for(lambda: bool(comments()), timeout=120, what="the comment")
    delivery.kill(worker)
    assert now().comment_state == CommentState.SENDING
    emulator.clear_faults()
    delivery.worker()

    wait_for(lambda: now().comment_state == CommentState.POSTED, timeout=120, what="reconciling")
    (remote,) = comments()
    assert remote["id"] in now().comment_remote_id
    assert now().sender_gone_at is not None, "known dead, not waited out"
    verbs = [verb for verb, _ in events_of(target) if verb.startswith("first_comment.")]
    assert verbs == ["first_comment.sending", "first_comment.unconfirmed", "first_comment.posted"]


def test_tasks_the_broker_lost_are_handed_over_again_once_its_queue_is_empty(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    # A lease far longer than the test waits: the tasks come back because the queue is
    # empty and their targets still untaken, not because their lease ended.
    delivery.env["DISPATCH_LEASE_SECONDS"] = "600"
    delivery.dispatcher()
    targets = due_now(live_agency, emulator, ["mastodon"], posts=3)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    everything = {target.pk for target in targets}
    # In one task or several, as the dispatcher's passes happened to find them.
    wait_for(
        lambda: queued_targets(broker, delivery.queue) == everything,
        timeout=120,
        what="handing over",
    )

    broker.delete(delivery.queue)
    delivery.worker()

    wait_for(lambda: all_in(live_agency, targets, PUBLISHED), timeout=120, what="publishing")
    assert len(on_network(emulator, targets[0].account)) == 3
    log = (delivery.logs / "dispatcher-0.log").read_text()
    assert "were not taken up; handing them over again" in log


def test_a_hand_over_the_broker_refused_is_tried_on_the_next_pass_not_after_its_lease(
    live_agency: Agency, emulator: Emulator, delivery: Delivery
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody = probe.getsockname()[1]
    # A broker nobody answers for, and a lease far longer than the test waits.
    delivery.env |= {"REDIS_URL": f"redis://127.0.0.1:{nobody}/0", "DISPATCH_LEASE_SECONDS": "600"}
    delivery.dispatcher()
    due_now(live_agency, emulator, ["mastodon"])
    log = delivery.logs / "dispatcher-0.log"

    wait_for(
        lambda: log.read_bytes().count(b"could not queue") >= 2,
        timeout=120,
        what="the hand-over being tried again",
    )


def test_the_dispatcher_stops_cleanly_when_asked(delivery: Delivery) -> None:
    dispatcher = delivery.dispatcher()
    log = delivery.logs / "dispatcher-0.log"
    wait_for(lambda: b"dispatcher polling" in log.read_bytes(), timeout=120, what="starting")

    dispatcher.send_signal(signal.SIGTERM)

    assert dispatcher.wait(timeout=60) == 0
    assert b"dispatcher stopped" in log.read_bytes()


def test_a_pause_that_began_mid_send_holds_the_retry_and_resuming_sends_it_once(
    live_agency: Agency, quiet: Emulator
) -> None:
    emulator = quiet
    admin = MembershipFactory(agency=live_agency, roles=[Role.ADMIN]).user
    (target,) = due_now(live_agency, emulator, ["mastodon"])
    # The send is slow and then refused for now: the pause begins while it is "sending",
    # which a pause does not hold, and the retry falls inside the pause.
    path = CREATE_PATH["mastodon"]
    emulator.fault("latency", network="mastodon", path=path, ms=600, count=1)
    emulator.fault("server_error", network="mastodon", path=path, count=1)
    sending = threading.Thread(target=publish, args=(target,))
    sending.start()
    wait_for(
        lambda: states(live_agency, [target])[target.pk] == "sending", timeout=60, what="sending"
    )
    with agency_scope(live_agency.pk):
        pause = pause_start(agency=live_agency, actor=admin, reason="Flood warning.")
    sending.join(timeout=60)
    assert states(live_agency, [target])[target.pk] == TargetState.RETRY_WAIT

    wait_until_due(target)
    held = publish(target)

    assert held is not None and held.state == TargetState.HELD
    assert on_network(emulator, target.account) == []
    with agency_scope(live_agency.pk):
        pause_end(pause=pause, actor=admin, overdue_now=True)
    done = publish(target)
    assert done is not None and done.state == TargetState.PUBLISHED
    assert len(on_network(emulator, target.account)) == 1
