"""Measure the archive's log: appends, the sequencer, proofs and verification.

Run through ``make bench BENCH=archive`` (a fresh database). Prints JSON lines, each
with the limit it is measured against, taken in the same run:

- ``archive-append-one-agency`` and ``archive-append-many-agencies``, for 1, 4 and 16
  writers: events recorded per second through ``archive.record``, each in a
  transaction of its own (``per_s``), against a plain INSERT of the same rows in the
  same way (``insert_per_s``), and their ``ratio``;
- ``archive-sequencer``: while 4 writers record at full speed (``appended_per_s``), how
  long a committed event waits for its place in the log, placed by ``manage.py
  sequence`` as ``make run`` starts it (``lag_p50_s``, ``lag_p99_s``); and the rate it
  places a log of ``--proof-events`` events recorded at once (``per_s``);
- ``archive-proof``: on that log, the median time of an inclusion proof of a random
  event and of a consistency proof between two random sizes (``inclusion_ms``,
  ``consistency_ms``), each checked;
- ``archive-verify``: the whole of that log checked from its events up (``per_s``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
# The repository, not bench/, comes first: this script's name is the app's.
sys.path[0] = str(REPO_ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

import archive  # noqa: E402
from accounts import services  # noqa: E402
from accounts.models import Agency  # noqa: E402
from archive import merkle  # noqa: E402
from archive.entries import commitment, new_salt  # noqa: E402
from archive.models import ArchiveEvent, ArchiveLeaf  # noqa: E402
from archive.selectors import (  # noqa: E402
    consistency_proof,
    inclusion_proof,
    log_end,
    log_root,
    log_size,
)
from archive.services import SYSTEM, log_integrate, pending_agencies  # noqa: E402
from archive.verification import log_verify  # noqa: E402
from bench._processes import Processes, wait_for  # noqa: E402
from govsocial.tenancy import agency_scope  # noqa: E402

DATA = {"x": "y" * 64}
# The columns of a recorded event, as a plain INSERT writes them.
COLUMNS = (
    "agency_id", "occurred_at", "actor_type", "actor_id", "actor_name", "verb", "object_type",
    "object_id", "object_repr", "ip_address", "user_agent", "request_id", "data", "salt",
    "commitment",
)  # fmt: skip


# Each column's type, as the table has it.
TYPES = {
    str(field.column): str(field.db_type(connection))
    for field in ArchiveEvent._meta.concrete_fields
}


def new_agency() -> Agency:
    return services.agency_create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:12]}", actor=SYSTEM)


def row_of(agency: Agency, n: int) -> dict[str, Any]:
    """Return the fields of an event as ``archive.record`` writes them."""
    fields: dict[str, Any] = {
        "agency_id": agency.pk,
        "occurred_at": timezone.now(),
        "actor_type": "system",
        "actor_id": "",
        "actor_name": "system",
        "verb": "bench.step",
        "object_type": "",
        "object_id": "",
        "object_repr": "",
        "ip_address": "",
        "user_agent": "",
        "request_id": "",
        "data": DATA | {"n": n},
        "salt": new_salt(),
    }
    fields["commitment"] = commitment(fields, salt=fields["salt"])
    return fields


def record(agency: Agency, count: int, committed: list[float] | None = None) -> None:
    """Record ``count`` events through ``archive.record``, a transaction each; note when
    each committed."""
    try:
        with agency_scope(agency.pk):
            for n in range(count):
                with transaction.atomic():
                    archive.record(
                        agency=agency, actor=SYSTEM, verb="bench.step", data=DATA | {"n": n}
                    )
                if committed is not None:
                    committed.append(time.monotonic())
    finally:
        connection.close()


# The statements below are built of the module's own column names, no input.
INSERT = (
    f"INSERT INTO archive_archiveevent ({', '.join(COLUMNS)})"  # noqa: S608  # nosec B608
    f" VALUES ({', '.join(['%s'] * len(COLUMNS))})"
)


def insert(agency: Agency, count: int) -> None:
    """Insert ``count`` rows like the events ``record`` writes, plainly, a transaction each."""
    rows = [row_of(agency, n) for n in range(count)]
    try:
        with agency_scope(agency.pk), connection.cursor() as cursor:
            for row in rows:
                with transaction.atomic():
                    cursor.execute(
                        INSERT, [json.dumps(row[c]) if c == "data" else row[c] for c in COLUMNS]
                    )
    finally:
        connection.close()


def rate(work: Any, agencies: list[Agency], events: int, writers: int) -> float:
    """Run ``work`` on ``writers`` threads, each on its agency; return events per second."""
    per_writer = events // writers
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        for future in [
            pool.submit(work, agencies[i % len(agencies)], per_writer) for i in range(writers)
        ]:
            future.result()
    return per_writer * writers / (time.perf_counter() - started)


def appends(events: int) -> None:
    for writers in (1, 4, 16):
        for name, agencies in (
            ("archive-append-one-agency", [new_agency()]),
            ("archive-append-many-agencies", [new_agency() for _ in range(writers)]),
        ):
            if name.endswith("many-agencies") and writers == 1:
                continue
            # Plain INSERTs first and then records, on the same agencies and connections.
            inserted = rate(insert, agencies, events, writers)
            recorded = rate(record, agencies, events, writers)
            say(
                name,
                writers=writers,
                agencies=len(agencies),
                events=events // writers * writers,
                per_s=round(recorded, 1),
                insert_per_s=round(inserted, 1),
                ratio=round(recorded / inserted, 3),
            )


def sequencer_lag(events: int, writers: int, placed_per_s: float) -> None:
    """Record at full speed with the shipped sequencer running; report each event's
    wait, with the rate the sequencer placed a large log at."""
    agency = new_agency()
    processes = Processes(Path(tempfile.mkdtemp(prefix="bench-archive-")))
    _, log = processes.start("sequencer", ["manage.py", "sequence"])
    # Timed from when it polls, as in a running deployment, not from its start, and from
    # a log caught up with what the scenarios before left to place.
    wait_for(lambda: b"sequencer polling every" in log.read_bytes(), "the sequencer", log)
    wait_for(lambda: not pending_agencies(), "the sequencer catching up", log, timeout=120)
    sizes: list[tuple[float, int]] = []
    done = threading.Event()
    with agency_scope(agency.pk):
        # The agency's creation, placed already.
        before = log_size()

    def watch() -> None:
        try:
            with agency_scope(agency.pk):
                while not done.is_set():
                    sizes.append((time.monotonic(), log_size() - before))
                    time.sleep(0.01)
        finally:
            connection.close()

    committed: list[list[float]] = [[] for _ in range(writers)]
    watcher = threading.Thread(target=watch)
    try:
        watcher.start()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=writers) as pool:
            for future in [
                pool.submit(record, agency, events // writers, committed[i]) for i in range(writers)
            ]:
                future.result()
        appended = (events // writers * writers) / (time.monotonic() - started)
        total = events // writers * writers
        deadline = time.monotonic() + 120
        while (not sizes or sizes[-1][1] < total) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        done.set()
        watcher.join()
        processes.stop()
    if sizes[-1][1] < total:
        raise SystemExit(f"the sequencer placed {sizes[-1][1]} of {total} events in 120 s")
    # The k-th event to commit is placed once the log holds k events or more.
    commits = sorted(moment for times in committed for moment in times)
    lags, seen = [], 0
    for k, moment in enumerate(commits, start=1):
        while sizes[seen][1] < k:
            seen += 1
        lags.append(max(0.0, sizes[seen][0] - moment))
    quantiles = statistics.quantiles(lags, n=100)
    say(
        "archive-sequencer",
        events=total,
        writers=writers,
        appended_per_s=round(appended, 1),
        lag_p50_s=round(quantiles[49], 3),
        lag_p99_s=round(quantiles[98], 3),
        per_s=round(placed_per_s, 1),
    )


def big_log(events: int) -> tuple[Agency, float]:
    """Write ``events`` events of one agency in large statements (not through the
    services: what is measured is what comes after), then place them; return the agency
    and the rate the sequencer placed them at."""
    agency = new_agency()
    typed = ", ".join(f"{name} {TYPES[name]}" for name in COLUMNS)
    statement = (
        f"INSERT INTO archive_archiveevent ({', '.join(COLUMNS)})"  # noqa: S608  # nosec B608
        f" SELECT {', '.join(COLUMNS)} FROM jsonb_to_recordset(%s::jsonb) AS event({typed})"
    )
    with agency_scope(agency.pk):
        for start in range(0, events, 50_000):
            rows = [row_of(agency, n) for n in range(start, min(start + 50_000, events))]
            for row in rows:
                row["occurred_at"] = row["occurred_at"].isoformat()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [json.dumps(rows)])
        started = time.perf_counter()
        while log_integrate(agency_id=agency.pk, limit=10_000):
            pass
        placed = log_size()
    # The agency's creation is in its log too.
    if placed != events + 1:
        raise SystemExit(f"placed {placed} of {events + 1} events")
    connection.close()
    return agency, placed / (time.perf_counter() - started)


def proofs(agency: Agency, samples: int) -> None:
    chooser = random.Random(6962)  # noqa: S311  # nosec B311 - positions to prove, not secrets
    inclusion, consistency = [], []
    with agency_scope(agency.pk), transaction.atomic():
        size, root = log_end()
        leaves = dict(
            ArchiveLeaf.objects.filter(
                position__in=[chooser.randrange(size) for _ in range(samples)]
            ).values_list("position", "hash")
        )
        for position, leaf in leaves.items():
            started = time.perf_counter()
            proof = inclusion_proof(position=position, size=size)
            inclusion.append(time.perf_counter() - started)
            if not merkle.inclusion_verify(
                index=position, size=size, leaf=bytes.fromhex(leaf), proof=proof, root=root
            ):
                raise SystemExit(f"the inclusion proof of {position} does not verify")
        for _ in range(samples):
            first = chooser.randrange(1, size)
            started = time.perf_counter()
            proof = consistency_proof(first=first, second=size)
            consistency.append(time.perf_counter() - started)
            if not merkle.consistency_verify(
                first=first, second=size, first_root=log_root(first), second_root=root, proof=proof
            ):
                raise SystemExit(f"the consistency proof of {first} and {size} does not verify")
    say(
        "archive-proof",
        events=size,
        samples=samples,
        inclusion_ms=round(statistics.median(inclusion) * 1000, 3),
        consistency_ms=round(statistics.median(consistency) * 1000, 3),
    )


def verification(agency: Agency) -> None:
    with agency_scope(agency.pk), transaction.atomic():
        started = time.perf_counter()
        report = log_verify(agency_id=agency.pk)
        elapsed = time.perf_counter() - started
    if not report.intact:
        raise SystemExit(f"the log does not verify: {report.problem}")
    say(
        "archive-verify",
        events=report.events_checked,
        per_s=round(report.events_checked / elapsed, 1),
    )


def say(bench: str, **figures: Any) -> None:
    print(json.dumps({"bench": bench, **figures}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000, help="events per append scenario")
    parser.add_argument(
        "--proof-events", type=int, default=1_000_000, help="events of the log proven and verified"
    )
    parser.add_argument("--samples", type=int, default=200, help="proofs of each kind timed")
    args = parser.parse_args()
    if args.events < 16 or args.proof_events < 2 or args.samples < 1:
        parser.error("--events must be at least 16, --proof-events 2, --samples 1")
    appends(args.events)
    agency, placed_per_s = big_log(args.proof_events)
    sequencer_lag(args.events, writers=4, placed_per_s=placed_per_s)
    proofs(agency, args.samples)
    verification(agency)


if __name__ == "__main__":
    main()
