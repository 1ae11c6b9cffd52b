"""Measure publishing: posts due across accounts, delivered by the dispatcher and Celery
workers (processes of their own) to the network emulator (a process answering each call
after ``--latency-ms``).

Run through ``make bench`` (a fresh database) or alone with the app's environment:
``python bench/publish.py --posts 1000 --accounts 100 --latency-ms 100 --spread-s 0``.
Without those options it runs two scenarios: burst (1,000 posts due in the same second
on 100 accounts, 100 ms) and steady (200 posts due evenly over 30 s). Each prints one
JSON line: ``bench`` (publish-burst / publish-steady), ``posts``, ``accounts``,
``latency_ms``, ``published``, ``duplicates`` and ``lost`` (counted on the emulator),
``lateness_p50_s``, ``lateness_p99_s``, ``lateness_max_s`` (a post's scheduled time to
the emulator storing it), ``throughput_per_s`` (posts stored per second, from the first
scheduled time to the last post stored), ``limit_per_s`` (the emulator's capacity: the
same calls, X's create-post request with each account's token, made by a plain
asynchronous client as many at once as the workers can make: processes x calls at once)
and ``ratio`` (throughput / limit).

The accounts are X accounts spread over ``--agencies`` agencies, as in a deployment
shared by several; each agency's archive chain takes its events one at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess  # the benchmark runs the app as its processes  # nosec B404
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")
LOGS = Path(tempfile.mkdtemp(prefix="bench-publish-"))
# Workers reuse their database connections, as a deployment's delivery workers should.
WORKER_ENV = {"DATABASE_POOL_SIZE": "8"}
# How far ahead of the first post's time the posts are put on the schedule.
LEAD_SECONDS = 3.0
# How long after the last post is due the run waits for it before counting it lost.
PATIENCE_SECONDS = 120.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


EMULATOR_URL = f"http://127.0.0.1:{_free_port()}"
QUEUE = f"bench-publish-{uuid.uuid4().hex[:8]}"
os.environ |= {"EMULATOR_URL": EMULATOR_URL, "DELIVERY_QUEUE": QUEUE}

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from govsocial.tenancy import agency_scope  # noqa: E402
from publishing.content import post_content_hash  # noqa: E402
from publishing.models import Post, PostStatus, PostTarget, SocialAccount, TargetState  # noqa: E402


@dataclass
class Scenario:
    """Name one run: how many posts, on how many accounts, at what latency, due over how
    long."""

    name: str
    posts: int
    accounts: int
    latency_ms: int
    spread_s: float


class Processes:
    """Run the emulator, the dispatcher and the workers, each logging to a file of its
    own."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Path:
        log = LOGS / f"{name}-{len(self.running)}.log"
        with log.open("wb") as out:
            # Our own argv, no shell.
            process = subprocess.Popen(  # noqa: S603  # nosec B603
                [sys.executable, *argv],
                cwd=ROOT,
                env=os.environ | (env or {}),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append(process)
        return log

    def stop(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_for(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not happen within {timeout:.0f} s (logs: {LOGS})")
        time.sleep(0.1)


@dataclass
class Workers:
    """Say how the workers deliver: processes, tasks at once in each, targets per task,
    and network calls at once in each process."""

    processes: int
    threads: int
    batch: int
    sends: int

    def environment(self) -> dict[str, str]:
        return {"DELIVERY_BATCH": str(self.batch), "DELIVERY_SENDS_AT_ONCE": str(self.sends)}

    @property
    def concurrency(self) -> int:
        """Return the most network calls the workers make at once."""
        return self.processes * min(self.threads * self.batch, self.sends)


def start_delivery(processes: Processes, workers: Workers) -> None:
    """Start the emulator, the workers (thread pools) and one dispatcher."""
    port = EMULATOR_URL.rsplit(":", 1)[1]
    processes.start(
        "emulator",
        ["-m", "emulator", "--port", port, "--no-citizens", "--rate-limit", "x=100000/900"],
    )
    emulator = httpx.Client(base_url=EMULATOR_URL, timeout=10)

    def emulator_up() -> bool:
        try:
            return emulator.get("/_emulator/health").status_code == 200
        except httpx.HTTPError:
            return False

    _wait_for(emulator_up, "the emulator starting")
    worker = ["-m", "celery", "-A", "govsocial", "worker", "-Q", QUEUE, "-l", "INFO",
              "--pool", "threads", "--concurrency", str(workers.threads),
              "--without-heartbeat", "--without-gossip", "--without-mingle"]  # fmt: skip
    logs = [
        processes.start(
            "worker", [*worker, "-n", f"{QUEUE}-{n}@%h"], WORKER_ENV | workers.environment()
        )
        for n in range(workers.processes)
    ]
    processes.start(
        "dispatcher", ["manage.py", "dispatch"], {"LOG_LEVEL": "WARNING"} | workers.environment()
    )
    _wait_for(lambda: all(b"ready." in log.read_bytes() for log in logs), "the workers starting")


def make_accounts(scenario: Scenario, agencies: int) -> list[tuple[SocialAccount, str]]:
    """Create the scenario's X accounts on the emulator and connect them to new
    agencies; return each with its access token."""
    from accounts.services import agency_create
    from archive.services import SYSTEM

    emulator = httpx.Client(base_url=EMULATOR_URL, timeout=10)
    run = uuid.uuid4().hex[:6]
    owners = [
        agency_create(name=f"Bench {run} {n}", slug=f"bench-{run}-{n}", actor=SYSTEM)
        for n in range(agencies)
    ]
    person = _person(f"admin-{run}")
    made = []
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
                connected_by=person,
            )
        made.append((account, str(found["access_token"])))
    return made


def _person(name: str) -> User:
    """Return a new person with no password (nobody signs in during a benchmark)."""
    return User.objects.create_user(email=f"{name}@bench.example", name=name)


def schedule(scenario: Scenario, accounts: list[SocialAccount]) -> dict[str, datetime]:
    """Schedule the posts round-robin over the accounts, the first due a few seconds
    from now; return each post's text with its scheduled time."""
    author = _person(f"author-{uuid.uuid4().hex[:6]}")
    prepared = []
    for n in range(scenario.posts):
        account = accounts[n % len(accounts)]
        text = f"Bench notice {n} ({uuid.uuid4().hex[:10]}): the library opens late."
        with agency_scope(account.agency_id):
            post = Post.objects.create(
                agency_id=account.agency_id, author=author, text=text, status=PostStatus.SCHEDULED
            )
            PostTarget.objects.create(agency_id=account.agency_id, post=post, account=account)
            post.approved_hash = post_content_hash(post)
            post.save(update_fields=["approved_hash"])
        prepared.append((account.agency_id, post))
    first = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
    step = scenario.spread_s / max(1, scenario.posts - 1) if scenario.spread_s else 0.0
    due = {}
    by_agency: dict[int, list[tuple[datetime, int]]] = {}
    for n, (agency_id, post) in enumerate(prepared):
        at = first + timedelta(seconds=n * step)
        by_agency.setdefault(agency_id, []).append((at, post.pk))
        due[post.text] = at
    # All in a few statements, so that no post is written to the schedule after its time.
    for agency_id, times in by_agency.items():
        with agency_scope(agency_id), transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany("UPDATE publishing_post SET scheduled_at = %s WHERE id = %s", times)
            cursor.executemany(
                "UPDATE publishing_posttarget SET state = %s, next_attempt_at = %s"
                " WHERE post_id = %s",
                [(TargetState.SCHEDULED, at, post_id) for at, post_id in times],
            )
    if datetime.now(UTC) >= first:
        raise SystemExit(f"scheduling took longer than its {LEAD_SECONDS} s lead; posts were late")
    connection.close()
    return due


def received(emulator: httpx.Client) -> list[dict[str, Any]]:
    answer = emulator.get("/_emulator/posts", params={"network": "x", "origin": "account"})
    return list(answer.json()["posts"])


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
                    f"POST /x/2/tweets HTTP/1.1\r\nHost: {host}:{port}\r\n"
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


def measure(scenario: Scenario, agencies: int, concurrency: int) -> dict[str, object]:
    emulator = httpx.Client(base_url=EMULATOR_URL, timeout=30)
    emulator.post("/_emulator/reset")
    emulator.put("/_emulator/config", json={"latency_ms": scenario.latency_ms, "citizens": False})
    accounts = make_accounts(scenario, agencies)
    due = schedule(scenario, [account for account, _ in accounts])
    last_due = max(due.values())
    deadline = last_due.timestamp() + PATIENCE_SECONDS
    while True:
        found = [p for p in received(emulator) if p["text"] in due]
        if len({p["text"] for p in found}) >= scenario.posts or time.time() > deadline:
            break
        time.sleep(0.5)
    # A duplicate could still be on its way: give it the time a retry would take.
    time.sleep(2)
    found = [p for p in received(emulator) if p["text"] in due]
    first_at: dict[str, datetime] = {}
    for post in found:
        at = datetime.fromisoformat(post["created_at"])
        first_at[post["text"]] = min(at, first_at.get(post["text"], at))
    lateness = sorted((first_at[text] - due[text]).total_seconds() for text in first_at)
    span = (max(first_at.values()) - min(due.values())).total_seconds() if first_at else 0.0
    throughput = len(first_at) / span if span > 0 else 0.0
    limit = capacity([token for _, token in accounts], scenario.posts, concurrency)
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


def _quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, help="posts due (one scenario with these)")
    parser.add_argument("--accounts", type=int, default=100, help="X accounts posted to")
    parser.add_argument("--latency-ms", type=int, default=100, help="the emulator's latency")
    parser.add_argument("--spread-s", type=float, default=0.0, help="posts due evenly over")
    parser.add_argument("--agencies", type=int, default=10, help="agencies owning the accounts")
    # Two processes, each with three tasks at once and forty calls in flight: delivery is
    # CPU-bound on this machine, so more processes only take turns on its two cores, and
    # bigger batches spend less on the database per post.
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=3, help="tasks at once per worker")
    parser.add_argument("--batch", type=int, default=40, help="targets one task sends")
    parser.add_argument("--sends", type=int, default=40, help="network calls at once per worker")
    args, _others = parser.parse_known_args()
    if args.posts is not None:
        name = "publish-steady" if args.spread_s else "publish-burst"
        scenarios = [Scenario(name, args.posts, args.accounts, args.latency_ms, args.spread_s)]
    else:
        scenarios = [
            Scenario("publish-burst", 1000, 100, 100, 0.0),
            Scenario("publish-steady", 200, 100, 100, 30.0),
        ]
    agencies = max(1, min(args.agencies, min(s.accounts for s in scenarios)))
    processes = Processes()
    try:
        workers = Workers(args.workers, args.threads, args.batch, args.sends)
        start_delivery(processes, workers)
        for scenario in scenarios:
            result = measure(scenario, agencies, workers.concurrency)
            print(json.dumps(result), flush=True)
    finally:
        processes.stop()


if __name__ == "__main__":
    main()
