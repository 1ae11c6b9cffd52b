"""Measure the archive: appends per second (one agency's chain, or many) and verification.

Run through ``make bench`` (a fresh database) or alone with the app's environment:
``python bench/archive_chain.py --events 2000 --writers 4``. Prints one JSON line per scenario:
``bench`` (archive-append-one-chain / archive-append-many-chains / archive-verify),
``events``, ``writers``, ``agencies``, ``per_s``, ``p50_ms``, ``p99_ms``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

import archive  # noqa: E402
from accounts import services  # noqa: E402
from accounts.models import Agency  # noqa: E402
from archive.services import SYSTEM, chain_verify  # noqa: E402
from govsocial.tenancy import agency_scope  # noqa: E402


def _new_agency() -> Agency:
    return services.agency_create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:12]}", actor=SYSTEM)


def _append(agency: Agency, count: int) -> list[float]:
    """Record ``count`` events, one transaction each; return each one's duration."""
    durations = []
    try:
        with agency_scope(agency.pk):
            for n in range(count):
                started = time.perf_counter()
                with transaction.atomic():
                    archive.record(
                        agency=agency, actor=SYSTEM, verb="bench.step", data={"n": n, "x": "y" * 64}
                    )
                durations.append(time.perf_counter() - started)
    finally:
        connection.close()
    return durations


def _appends(name: str, events: int, writers: int, agencies: list[Agency]) -> dict[str, object]:
    per_writer = events // writers
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        futures = [
            pool.submit(_append, agencies[i % len(agencies)], per_writer) for i in range(writers)
        ]
        durations = [d for future in futures for d in future.result()]
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(durations, n=100)
    return {
        "bench": name,
        "events": len(durations),
        "writers": writers,
        "agencies": len(agencies),
        "per_s": round(len(durations) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events per scenario")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers")
    args = parser.parse_args()
    if args.events < args.writers or args.writers < 1:
        parser.error("--events must be at least --writers, and --writers at least 1")

    one = _new_agency()
    print(json.dumps(_appends("archive-append-one-chain", args.events, args.writers, [one])))
    many = [_new_agency() for _ in range(args.writers)]
    print(json.dumps(_appends("archive-append-many-chains", args.events, args.writers, many)))

    with agency_scope(one.pk):
        started = time.perf_counter()
        report = chain_verify(agency_id=one.pk)
        elapsed = time.perf_counter() - started
    if not report.intact:
        raise SystemExit(f"chain broken at {report.first_bad_sequence}: {report.problem}")
    print(
        json.dumps(
            {
                "bench": "archive-verify",
                "events": report.events_checked,
                "writers": 1,
                "agencies": 1,
                "per_s": round(report.events_checked / elapsed, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
