"""Measure the inbox as it ships: citizens' replies and mentions ingested from the
network emulator, and how long a reply takes to reach the inbox.

Run through ``make bench BENCH=inbox`` (a fresh database) or alone with the app's
environment: ``python bench/inbox.py --accounts 20 --items 100 --samples 30``. Takes
about six minutes with the shipped polling interval, nearly all of it the lag's
samples. Prints one JSON line, ``inbox-ingest``, with the limits it is measured against
taken in the same run:

- ``per_s``: items ingested per second through the real path, in this process, for
  each of ``--accounts`` X accounts in turn, each with ``--items`` mentions and replies
  new since its cursor: the account's adapter reads them from the emulator over HTTP
  (``fetch_inbound``: X's mentions timeline, every page since the cursor, with the real
  client library), and ``items_receive`` stores them (INSERT … ON CONFLICT DO NOTHING),
  keeps each version whole and records each item's archive event, as ``account_poll``
  does between its claim and its cursor (``account_poll`` itself also re-reads recent
  items, which is not ingestion); ``insert_per_s``: the same rows, read back from the
  table, inserted again for as many other accounts of the agency by a plain INSERT,
  one statement and one transaction per account as ``items_receive`` makes them: no
  fetch, no archive; ``ratio``: ``per_s`` / ``insert_per_s``. Each timed step (these
  two and the next) starts once the disk has written what came before (``os.sync``);
- ``duplicate_per_s``: a duplicate-heavy second pass: each account is read again from
  the same cursor after a tenth as many new items arrived, so that each page holds
  every item of the first pass again beside the new ones; items offered per second
  (``duplicate_offered`` of them, ``duplicate_new`` stored), and ``duplicate_ratio``,
  against the same plain INSERT;
- ``lag_p50_s``, ``lag_p99_s``, ``lag_max_s``: the time from the moment this script
  POSTs a citizen's reply to the emulator's admin API (``/_emulator/inbound``) to the
  moment its row is in ``inbox_inboxitem`` (committed, as a person's page would show
  it; the table is read every ``WATCH_SECONDS``), for ``--samples`` replies posted at
  random moments over ``--intervals`` polling intervals, each to a post of one of
  ``--lag-accounts`` other X accounts picked at random; ``lag_missing``: replies not in
  the inbox ``PATIENCE_INTERVALS`` intervals after the last was posted (none counted in
  the quantiles); ``lag_over_limit``: replies that took longer than ``lag_limit_s``
  (their account was passed over at a tick of the scheduler); ``poll_interval_s``:
  ``INBOX_POLL_SECONDS`` as the settings have it (the shipped default unless the
  environment sets it; the processes started here read the same environment);
  ``lag_limit_s``: the target, the interval plus 2 s;
  ``accounts_polled``: every connected account the scheduler polls meanwhile (the
  first pass's, their plain INSERT twins and the lag's).

The lag is measured on the app as ``make run`` runs it: the delivery workers (one per
CPU, ``WORKER_COMMAND``), the dispatcher and the archive's sequencer
(``bench._processes.Delivery``, on Celery's default queue, as ``make run``'s workers),
and ``make run``'s scheduler (``celery beat``, ``app_processes`` in
``govsocial/launch/commands.py``), whose ``inbox-poll`` entry fans the polling out per
agency and account every ``INBOX_POLL_SECONDS``. Each lag account has a reply before
the processes start, so that its first poll leaves a cursor, and sampling starts once
every one has been polled: as in a deployment that has been running. The goals (in the
README, not asserted here): ``ratio`` at least 0.3, ``lag_p99_s`` under ``lag_limit_s``.

The processes' logs stay in a temporary folder (``bench-inbox-*``, named on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
# The repository, not bench/, comes first: this script's name is the app's.
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")

from bench._processes import free_port  # noqa: E402

LOGS = Path(tempfile.mkdtemp(prefix="bench-inbox-"))

EMULATOR_URL = f"http://127.0.0.1:{free_port()}"
os.environ["EMULATOR_URL"] = EMULATOR_URL

import django  # noqa: E402

django.setup()
# The settings log at INFO; one line per call to the emulator says nothing.
logging.getLogger("httpx").setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import Agency, Role, User  # noqa: E402
from accounts.services import agency_create, membership_add  # noqa: E402
from archive.services import SYSTEM  # noqa: E402
from bench._accounts import x_account_connect  # noqa: E402
from bench._processes import Delivery, Processes, start_emulator, wait_for  # noqa: E402
from govsocial.launch.commands import app_processes  # noqa: E402
from govsocial.tenancy import agency_scope  # noqa: E402
from inbox.models import InboxItem, InboxPoll  # noqa: E402
from inbox.services import items_receive  # noqa: E402
from publishing.models import SocialAccount  # noqa: E402
from publishing.networks.base import (  # noqa: E402
    Network,
    OutgoingPost,
)
from publishing.networks.registry import adapter_for  # noqa: E402

# The duplicate-heavy pass: new items per account, as a share of the first pass's.
NEW_SHARE = 0.1
# How often the lag's watcher reads the inbox, and how many intervals it waits for the
# last reply before counting the missing ones.
WATCH_SECONDS = 0.1
PATIENCE_INTERVALS = 2
# What citizens write, in the deployment's languages (the inbox tells them apart).
TEXTS = (
    "{handle} the streetlight on Maple Avenue has been out for a week.",
    "{handle} are the city offices open on the holiday Monday?",
    "{handle} thank you to the crews who cleared the roads this morning.",
    "{handle} la collecte des ordures est-elle reportée cette semaine?",
    "{handle} merci pour la mise à jour, où trouver l'horaire des piscines?",
    "{handle} ¿a qué hora abre la biblioteca municipal el sábado?",
    "{handle} ¿dónde puedo leer más sobre el nuevo presupuesto de la ciudad?",
)
CITIZENS = ("amara_okafor", "ben_tremblay", "chloe_nguyen", "luis_moreno", "hugo_lefebvre")
# Each column an INSERT of an item writes (received_at and the id are the table's).
COLUMNS = tuple(
    str(field.column)
    for field in InboxItem._meta.concrete_fields
    if field.column not in ("id", "received_at")
)
TYPES = {
    str(field.column): str(field.db_type(connection)) for field in InboxItem._meta.concrete_fields
}


@dataclass(frozen=True)
class Connected:
    """One X account of the run: connected to its agency, with a post of its own on the
    emulator that citizens reply to."""

    account: SocialAccount
    post_id: str


def _emulator() -> httpx.Client:
    """Return a client of the emulator (its admin API under ``/_emulator/``)."""
    return httpx.Client(base_url=EMULATOR_URL, timeout=30)


def new_agency(label: str) -> tuple[Agency, User]:
    """Create an agency with an admin; return both."""
    run = uuid.uuid4().hex[:6]
    agency = agency_create(name=f"Bench {label} {run}", slug=f"bench-{label}-{run}", actor=SYSTEM)
    admin = User.objects.create_user(email=f"admin-{label}-{run}@bench.example", name="Admin")
    with agency_scope(agency.pk):
        membership_add(agency=agency, user=admin, roles=[Role.ADMIN], actor=SYSTEM)
    return agency, admin


def connect(agency: Agency, admin: User, count: int) -> list[Connected]:
    """Make ``count`` X accounts on the emulator, connect them to ``agency`` through
    ``account_connect`` as an authorisation would, and publish a post on each through
    its adapter; return them."""
    accounts = []
    with _emulator() as emulator, agency_scope(agency.pk):
        for n in range(count):
            account, credentials = x_account_connect(
                emulator, agency=agency, admin=admin, handle=f"{agency.slug}_{n}"
            )
            sent = adapter_for(Network.X).publish(
                credentials, OutgoingPost("The pools open on Saturday at nine.")
            )
            accounts.append(Connected(account, sent.remote_id))
    return accounts


def write(
    emulator: httpx.Client, account: Connected, chooser: random.Random, kind: str = ""
) -> str:
    """Have a citizen reply to the account's post or mention it (``kind``, else either at
    random); return the item's id."""
    handle = account.account.handle
    kind = kind or chooser.choice(("reply", "mention"))
    answer = emulator.post(
        "/_emulator/inbound",
        json={
            "network": "x",
            "account": handle,
            "kind": kind,
            "text": chooser.choice(TEXTS).format(handle=f"@{handle}"),
            "in_reply_to": account.post_id if kind == "reply" else "",
            "citizen": chooser.choice(CITIZENS),
        },
    )
    answer.raise_for_status()
    return str(answer.json()["id"])


def receive(
    agency: Agency, accounts: list[Connected], cursors: dict[int, str]
) -> tuple[float, int, dict[int, list[int]]]:
    """Read each account's page from its cursor in ``cursors`` through its adapter and
    store it with ``items_receive``, in turn; return the seconds they took together, the
    items the pages offered, and the ids of the rows stored, by account."""
    adapter = adapter_for(Network.X)
    spent, offered, stored = 0.0, 0, {}
    with agency_scope(agency.pk):
        for one in accounts:
            account = one.account
            started = time.perf_counter()
            page = adapter.fetch_inbound(account.credentials(), cursor=cursors[account.pk])
            rows = items_receive(account=account, items=page.items)
            spent += time.perf_counter() - started
            offered += len(page.items)
            stored[account.pk] = [row.pk for row in rows]
    return spent, offered, stored


# The statement's columns are the model's own, no input.
INSERT = f"INSERT INTO inbox_inboxitem ({', '.join(COLUMNS)}) VALUES "  # noqa: S608  # nosec B608
ROW = "(" + ", ".join(f"%s::{TYPES[column]}" for column in COLUMNS) + ")"


def plain_inserts(
    agency: Agency, stored: dict[int, list[int]], twins: dict[int, Connected]
) -> tuple[float, int]:
    """Insert the rows ``stored`` for each account again for its twin with a plain
    INSERT, one statement and transaction per account; return the seconds the inserts
    took and the rows inserted."""
    twin_at = COLUMNS.index("account_id")
    spent, inserted = 0.0, 0
    with agency_scope(agency.pk):
        for account_id, ids in stored.items():
            twin = twins[account_id].account.pk
            rows = [
                [twin if i == twin_at else value for i, value in enumerate(row)]
                for row in InboxItem.objects.filter(pk__in=ids).values_list(*COLUMNS)
            ]
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    INSERT + ", ".join(ROW for _ in rows), [value for row in rows for value in row]
                )
            spent += time.perf_counter() - started
            inserted += len(rows)
    return spent, inserted


def ingest(accounts: int, items: int) -> dict[str, Any]:
    """Measure the first pass, the plain INSERT and the duplicate-heavy pass; return
    their figures."""
    agency, admin = new_agency("ingest")
    connected = connect(agency, admin, accounts * 2)
    polled, twins = connected[:accounts], connected[accounts:]
    # What citizens write, not secrets.
    chooser = random.Random(1)  # noqa: S311  # nosec B311
    with _emulator() as emulator:
        # A first page of each account, untimed, gives its cursor after one item (and
        # loads the language models, as in a worker that has been running).
        cursors = {}
        with agency_scope(agency.pk):
            for one in polled:
                write(emulator, one, chooser)
                page = adapter_for(Network.X).fetch_inbound(one.account.credentials(), cursor="")
                items_receive(account=one.account, items=page.items)
                cursors[one.account.pk] = page.cursor
        for one in polled:
            for _ in range(items):
                write(emulator, one, chooser)
        # Each timed step starts with nothing of the steps before left for the disk to
        # write (the database just made, the items just written to the emulator): what
        # is timed is the step's own writing.
        os.sync()
        first_s, _offered, first = receive(agency, polled, cursors)
        stored = sum(len(ids) for ids in first.values())
        twin_of = {one.account.pk: twin for one, twin in zip(polled, twins, strict=True)}
        os.sync()
        insert_s, inserted = plain_inserts(agency, first, twin_of)
        for one in polled:
            for _ in range(max(1, round(items * NEW_SHARE))):
                write(emulator, one, chooser)
        os.sync()
        again_s, offered, again = receive(agency, polled, cursors)
    connection.close()
    if stored != accounts * items or inserted != stored:
        raise SystemExit(f"stored {stored} and inserted {inserted} of {accounts * items} items")
    per_s, insert_per_s = stored / first_s, inserted / insert_s
    return {
        "accounts": accounts,
        "items": stored,
        "per_s": round(per_s, 1),
        "insert_per_s": round(insert_per_s, 1),
        "ratio": round(per_s / insert_per_s, 3),
        "duplicate_offered": offered,
        "duplicate_new": sum(len(ids) for ids in again.values()),
        "duplicate_per_s": round(offered / again_s, 1),
        "duplicate_ratio": round(offered / again_s / insert_per_s, 3),
    }


def start_scheduler(processes: Processes) -> None:
    """Start ``make run``'s scheduler (celery beat), its schedule file in the logs
    folder."""
    scheduler = next(spec for spec in app_processes(0, LOGS, 0) if spec.name == "scheduler")
    # The spec starts with the interpreter; Processes adds this one.
    processes.start("scheduler", list(scheduler.argv[1:]))


def lag(lag_accounts: int, samples: int, intervals: float) -> dict[str, Any]:
    """Post replies at random moments with the app running as ``make run`` runs it;
    return how long each took to reach the inbox."""
    interval = float(settings.INBOX_POLL_SECONDS)
    agency, admin = new_agency("lag")
    accounts = connect(agency, admin, lag_accounts)
    # Moments and texts, not secrets.
    chooser = random.Random()  # noqa: S311  # nosec B311
    emulator = _emulator()
    for one in accounts:
        write(emulator, one, chooser)
    delivery = Delivery(LOGS, "celery", os.environ["REDIS_URL"])
    delivery.start()
    try:
        start_scheduler(delivery.processes)

        def polled_once() -> bool:
            with agency_scope(agency.pk):
                return InboxPoll.objects.exclude(cursor="").count() == len(accounts)

        print(f"waiting for the first poll (every {interval:.0f} s)", file=sys.stderr)
        wait_for(polled_once, "a first poll of every account", LOGS, timeout=2 * interval + 60)
        posted: dict[str, float] = {}
        seen: dict[str, float] = {}
        done = threading.Event()
        watcher = threading.Thread(target=watch, args=(agency, posted, seen, done))
        watcher.start()
        try:
            start = time.monotonic()
            moments = sorted(
                start + chooser.uniform(0, intervals * interval) for _ in range(samples)
            )
            print(f"posting {samples} replies over {intervals * interval:.0f} s", file=sys.stderr)
            for moment in moments:
                time.sleep(max(0.0, moment - time.monotonic()))
                sent_at = time.monotonic()
                posted[write(emulator, chooser.choice(accounts), chooser, "reply")] = sent_at
            deadline = time.monotonic() + PATIENCE_INTERVALS * interval
            while len(seen) < samples and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            done.set()
            watcher.join()
    finally:
        delivery.stop()
        emulator.close()
    lags = sorted(seen[remote_id] - posted[remote_id] for remote_id in seen)
    if len(lags) < 2:
        raise SystemExit(f"{len(lags)} of {samples} replies reached the inbox (logs: {LOGS})")
    quantiles = statistics.quantiles(lags, n=100, method="inclusive")
    return {
        "lag_samples": samples,
        "lag_missing": samples - len(lags),
        "lag_p50_s": round(quantiles[49], 3),
        "lag_p99_s": round(quantiles[98], 3),
        "lag_max_s": round(lags[-1], 3),
        "lag_over_limit": sum(1 for one in lags if one > interval + 2),
        "poll_interval_s": interval,
        "lag_limit_s": interval + 2,
    }


def watch(
    agency: Agency, posted: dict[str, float], seen: dict[str, float], done: threading.Event
) -> None:
    """Note when each posted reply's row is first in the inbox, reading it every
    ``WATCH_SECONDS`` until ``done``."""
    try:
        with agency_scope(agency.pk):
            while not done.is_set():
                waiting = [remote_id for remote_id in list(posted) if remote_id not in seen]
                if waiting:
                    now = time.monotonic()
                    for remote_id in InboxItem.objects.filter(remote_id__in=waiting).values_list(
                        "remote_id", flat=True
                    ):
                        seen[remote_id] = now
                time.sleep(WATCH_SECONDS)
    finally:
        connection.close()


def main() -> None:
    """Measure ingestion, then the lag; print the line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20, help="X accounts ingested from")
    parser.add_argument("--items", type=int, default=100, help="new items per account")
    parser.add_argument("--lag-accounts", type=int, default=10, help="X accounts replied to")
    parser.add_argument("--samples", type=int, default=30, help="replies whose lag is measured")
    parser.add_argument(
        "--intervals", type=float, default=3.5, help="polling intervals the replies are spread over"
    )
    args = parser.parse_args()
    if args.accounts < 1 or args.items < 1 or args.lag_accounts < 1 or args.samples < 2:
        parser.error("--accounts, --items and --lag-accounts must be at least 1, --samples 2")
    if args.intervals <= 0:
        parser.error("--intervals must be more than 0")
    print(f"bench/inbox.py: the processes log to {LOGS}", file=sys.stderr)
    processes = Processes(LOGS)
    try:
        start_emulator(processes, EMULATOR_URL)
        line = {"bench": "inbox-ingest"} | ingest(args.accounts, args.items)
        print(f"ingested: {json.dumps(line)}", file=sys.stderr)
        line |= lag(args.lag_accounts, args.samples, args.intervals)
        line["accounts_polled"] = 2 * args.accounts + args.lag_accounts
    finally:
        processes.stop()
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
