"""Measure the REST API (and the calendar page) as it ships: the web server started as
``make run`` starts it, read by concurrent clients over kept-alive connections, on a
database of many agencies with thousands of posts each.

Run through ``make bench`` (a fresh database) or alone with the app's environment:
``python bench/api.py --agencies 50 --posts 2000 --clients 8 --seconds 10``. Prints one
JSON line per endpoint, ``bench`` naming it:

- ``api-trivial``: the ceiling, the cheapest request an API key can make that still
  goes through everything every request does (key, agency, scope, throttle, paginated
  list): the agency's network accounts, ``?page_size=1``. ``GET /api/agencies/`` would
  be cheaper but takes a signed-in person, not a key;
- ``api-posts``: the post list, 50 a page with their targets (``?page_size=50``);
- ``api-post``: one post;
- ``api-calendar``: the calendar API for next month in the agency's zone;
- ``api-calendar-page``: the dashboard's calendar page (month view) of next month,
  signed in as the agency's admin with password and authenticator code (a key cannot
  see pages), in the first ``SIGN_INS`` agencies;
- ``api-members``: the member list.

Each endpoint is requested for ``--seconds`` in ``ROUNDS`` turns, after a warm-up of
``WARM_UP_SECONDS``, each turn following one as long of the ceiling, by the same
clients: so the two see the same machine even while something else runs on it. The
ceiling's line comes last and covers all of its turns. Keys of each line: ``bench``,
``path`` (one of the paths requested), ``clients``, ``seconds`` (measured, in all),
``requests``, ``per_s``, ``p50_ms``, ``p99_ms``, ``ratio`` (``per_s`` over the
ceiling's in the turns between the endpoint's) and ``queries``: the SQL queries of one
request, counted with ``CaptureQueriesContext`` on the same request made in this
process through Django's test client (with the same key, or the same session), before
the load. The post list's line adds ``queries_by_page_size`` (10, 50 and 100 a
page), to show whether the queries grow with the page. The statements the tenancy's
scope setting adds around each query outside a transaction (BEGIN, ``set_config``,
COMMIT; ``govsocial/tenancy.py``) are not Django queries and are not counted. The goals
(in the README, not asserted here): every endpoint at least half the ceiling's rate,
p99 at most 150 ms on a quiet machine, queries flat in the page size.

The web server is ``make run``'s command (``app_processes`` in
``govsocial/launch/commands.py``: gunicorn, its processes and threads from
``gunicorn.conf.py``, as the image has them) on a free port,
with ``make run``'s site settings (DEBUG off, static files collected first). The
clients are ``--clients`` asyncio clients writing HTTP/1.1 by hand on kept-alive
connections, so that the clients themselves cost next to nothing on the machine they
share with the server. A client makes a new connection every ``CONNECTION_REQUESTS``
requests: a gunicorn worker serves the connections it accepted, so eight connections
kept for the whole run would fall on the workers by chance (with two, anything from 4-4
to 8-0, a rate nearly halved), whereas connections made anew go to the worker free to
take them.
Requests go round-robin over the agencies, each with one of its own agency's API keys
(its admin's, as many as it takes for the run's keys together to allow
``KEYS_ALLOW_PER_S`` requests a second): the shipped limit per key (600 a minute) stays
in force, and a run that meets it (any answer but 200) stops with an error rather than
print figures.

The data: ``--agencies`` agencies (50), each with its admin (a password and an
authenticator app), ``MEMBERS`` more members, ``ACCOUNTS`` X accounts and ``--posts``
posts (2,000). Agencies, members, the admin's API keys and the accounts are made by
the services (``agency_create``, ``membership_add``, ``api_key_create``,
``account_connect``). In each agency, the ``SEEDS`` posts are written by
``post_create``; some are put on the schedule by ``post_schedule``, and some are
published by ``post_publish_now`` and delivered, in this process, by
``targets_publish`` to the network emulator (a process of the run's own). Writing
100,000 posts one service call at a time would take over an hour, so the rest are
copies of the seeds inserted in bulk: each copy is exactly the rows its seed's services
wrote (the post, its targets, its revisions; the dispatcher's tickets follow from the
database's trigger) with its own text and time, and with the content hashes and the
revision's content computed by ``publishing.content`` from that text, as the services
compute them. A copy of a published seed has its own remote id and permalink. Copies
have no archive events (no endpoint measured reads the archive). Of the copies, 10 %
are drafts, 30 % scheduled over the next 180 days and 60 % published over the past 540
days, so that a month of the calendar holds about 100 posts (the month view, six weeks,
about 140). The tables are then analyzed, as autovacuum would soon after.

The processes' logs stay in a temporary folder (``bench-api-*``, named on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import math
import os
import re
import secrets
import socket
import statistics
import subprocess  # collectstatic, as make run does  # nosec B404
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")

from bench._processes import Processes, free_port, start_emulator, wait_for  # noqa: E402

LOGS = Path(tempfile.mkdtemp(prefix="bench-api-"))
# What ships is measured: the web server takes the settings' own limit per key and pool.
SHIPPED = ("API_KEY_RATE", "DATABASE_POOL_SIZE")
for _name in [name for name in os.environ if name.startswith(SHIPPED)]:
    print(f"bench/api.py: {_name} ignored, the shipped default is measured", file=sys.stderr)
    del os.environ[_name]


WEB_PORT = free_port()
EMULATOR_URL = f"http://127.0.0.1:{free_port()}"
# make run's site settings (``_site_env`` in govsocial/launch/commands.py), for the web
# server and for this process, whose test client counts the queries ("testserver").
SITE_ENV = {
    "ALLOWED_HOSTS": "localhost,127.0.0.1",
    "DEBUG": "0",
    "STATIC_ROOT": str(LOGS / "static"),
    "EMULATOR_URL": EMULATOR_URL,
    "SITE_URL": f"http://127.0.0.1:{WEB_PORT}",
}
os.environ |= SITE_ENV | {"ALLOWED_HOSTS": SITE_ENV["ALLOWED_HOSTS"] + ",testserver"}

import django  # noqa: E402

django.setup()
# The settings log at INFO; the emulator's calls while seeding say nothing.
logging.getLogger("httpx").setLevel(logging.WARNING)

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Agency, Role, User  # noqa: E402
from accounts.services import agency_create, api_key_create, membership_add  # noqa: E402
from archive.services import SYSTEM  # noqa: E402
from bench._accounts import x_account_connect  # noqa: E402
from govsocial.api.throttling import ApiKeyRateThrottle  # noqa: E402
from govsocial.launch.commands import app_processes  # noqa: E402
from govsocial.launch.totp import totp_code  # noqa: E402
from govsocial.tenancy import agency_scope  # noqa: E402
from publishing import services  # noqa: E402
from publishing.content import (  # noqa: E402
    content_hash,
    post_content,
    post_content_hash,
    target_content_hash,
)
from publishing.models import Post, PostRevision, PostStatus, PostTarget  # noqa: E402

# Each agency's people and accounts besides its admin, and its zone.
MEMBERS = 30
MEMBER_ROLES = (Role.AUTHOR, Role.APPROVER, Role.VIEWER, Role.RECORDS_OFFICER)
ACCOUNTS = 3
ZONE = "America/Toronto"
# The posts each agency writes through the services: what becomes of it, how many of
# its accounts it goes to, its campaign, and whether its last account has its own text.
SEEDS: tuple[tuple[str, int, str, bool], ...] = (
    (PostStatus.DRAFT, 1, "", False),
    (PostStatus.DRAFT, 2, "Winter roads", True),
    (PostStatus.SCHEDULED, 2, "", False),
    (PostStatus.SCHEDULED, 3, "Winter roads", True),
    (PostStatus.PUBLISHED, 1, "", False),
    (PostStatus.PUBLISHED, 2, "Budget 2027", False),
)
# The copies: each kind's share, and the days before (negative) or after now their
# times are spread over.
MIX = ((PostStatus.DRAFT, 0.10), (PostStatus.SCHEDULED, 0.30), (PostStatus.PUBLISHED, 0.60))
SCHEDULED_DAYS = 180
PUBLISHED_DAYS = 540
BATCH = 1000
# Posts the detail requests read, per agency.
DETAIL_POSTS = 20
WARM_UP_SECONDS = 2.0
# Turns of the ceiling and of the endpoint measured, in alternation.
ROUNDS = 5
# Requests a client sends on one connection before it makes a new one.
CONNECTION_REQUESTS = 20
# Requests a second the run's keys may make together, whatever the agencies' number.
KEYS_ALLOW_PER_S = 1000
# Admins signed in to for the page, one agency each: sign-ins from one address are
# limited to 30 a minute (allauth's "login" rate limit).
SIGN_INS = 10
PAGE_SIZES = (10, 50, 100)


Row = TypeVar("Row", bound=Model)


@dataclass(frozen=True)
class Tenant:
    """One agency of the run: its short name, its admin's keys and sign-in, and posts."""

    slug: str
    agency_id: int
    tokens: tuple[str, ...]
    admin_email: str
    totp_secret: str
    post_ids: tuple[int, ...]


@dataclass(frozen=True)
class Endpoint:
    """What one line measures: its name, each agency's path, and how it signs in."""

    name: str
    paths: dict[str, str]
    by_session: bool = False


# Seeding -------------------------------------------------------------------------------


def connect_accounts(agency: Agency, admin: User, run: str) -> list[int]:
    """Make the agency's X accounts on the emulator and connect them through
    ``account_connect``, as an authorisation would; return their ids."""
    ids = []
    with httpx.Client(base_url=EMULATOR_URL, timeout=30) as emulator:
        for n in range(ACCOUNTS):
            account, _credentials = x_account_connect(
                emulator, agency=agency, admin=admin, handle=f"{agency.slug}_{run}_{n}"
            )
            ids.append(account.pk)
    return ids


def write_seeds(agency: Agency, admin: User, account_ids: list[int]) -> list[Post]:
    """Write the agency's ``SEEDS`` through the services: drafts, posts on the
    schedule, and posts published to the emulator; return them."""
    seeds = []
    for n, (status, accounts, campaign, own_text) in enumerate(SEEDS):
        chosen = account_ids[:accounts]
        post = services.post_create(
            agency=agency,
            actor=admin,
            text=f"Seed {n}: the library opens late on Monday.",
            link="https://example.gov/news" if n % 2 else "",
            campaign=campaign,
            account_ids=chosen,
            variants={chosen[-1]: f"Seed {n}, in short."} if own_text else None,
        )
        if status == PostStatus.SCHEDULED:
            post = services.post_schedule(
                post=post, actor=admin, at=timezone.now() + timedelta(days=1 + n)
            )
        elif status == PostStatus.PUBLISHED:
            post = services.post_publish_now(post=post, actor=admin)
            targets = PostTarget.objects.filter(post=post).values_list("pk", flat=True)
            services.targets_publish(target_ids=list(targets))
        seeds.append(post)
    published = Post.objects.filter(pk__in=[p.pk for p in seeds], status=PostStatus.PUBLISHED)
    if published.count() != sum(1 for s in SEEDS if s[0] == PostStatus.PUBLISHED):
        raise SystemExit(f"the seeds of {agency.slug} were not all published (logs: {LOGS})")
    return seeds


def _copy_times(kind: str, count: int) -> Iterator[datetime | None]:
    """Yield the times of ``count`` copies of ``kind``, spread evenly over its days."""
    now = timezone.now().replace(second=0, microsecond=0)
    for n in range(count):
        share = (n + 0.5) / count
        if kind == PostStatus.SCHEDULED:
            yield now + timedelta(days=1 + share * SCHEDULED_DAYS)
        elif kind == PostStatus.PUBLISHED:
            yield now - timedelta(days=1 + share * PUBLISHED_DAYS)
        else:
            yield None


def _plan(posts: int, seeds: Sequence[Post]) -> list[tuple[Post, datetime | None]]:
    """Return the copies to make: each one's seed (as the database has it) and time,
    in ``MIX``'s shares."""
    copies = posts - len(seeds)
    plan: list[tuple[Post, datetime | None]] = []
    for kind, share in MIX:
        of_kind = itertools.cycle([seed for seed in seeds if seed.status == kind])
        count = round(copies * share) if kind != MIX[-1][0] else copies - len(plan)
        plan.extend(zip(of_kind, _copy_times(kind, count), strict=False))
    return plan


def _moved(
    moment: datetime | None, seed_at: datetime | None, at: datetime | None
) -> datetime | None:
    """Return ``moment`` moved as far as the copy's time is from its seed's."""
    if moment is None or seed_at is None or at is None:
        return moment
    return moment + (at - seed_at)


def _copied(row: Row, **changes: object) -> Row:
    """Return a new row with every column of ``row`` (its id and the times Django sets
    on saving aside) but ``changes``."""
    values = {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if not field.primary_key and field.name not in changes
    }
    return type(row)(**(values | changes))


def copy_seeds(agency: Agency, seeds: Sequence[Post], posts: int) -> None:
    """Insert the agency's other posts in bulk, each the rows of one seed with its own
    text, time, remote ids, and the hashes and revision content computed from that
    text by ``publishing.content``."""
    originals = {
        seed.pk: seed
        for seed in Post.objects.filter(pk__in=[s.pk for s in seeds]).prefetch_related(
            "targets", "media", "revisions"
        )
    }
    plan = _plan(posts, list(originals.values()))
    for start in range(0, len(plan), BATCH):
        batch = plan[start : start + BATCH]
        copies: list[Post] = []
        targets: list[PostTarget] = []
        revisions: list[PostRevision] = []
        for n, (seed, at) in enumerate(batch, start=start):
            text = f"Notice {n} of {agency.slug}: {uuid.uuid4().hex[:8]} the library opens late."
            # The seed, saying the copy's text, hashes as the copy does.
            seed_text, seed.text = seed.text, text
            content = post_content(seed)
            copy = _copied(
                seed,
                text=text,
                scheduled_at=at,
                approved_hash=post_content_hash(seed) if seed.approved_hash else "",
            )
            for target in seed.targets.all():
                remote_id = f"{target.remote_id}{n:06d}" if target.remote_id else ""
                targets.append(
                    _copied(
                        target,
                        post=copy,
                        next_attempt_at=_moved(target.next_attempt_at, seed.scheduled_at, at),
                        content_hash=target_content_hash(target) if target.content_hash else "",
                        sending_at=_moved(target.sending_at, seed.scheduled_at, at),
                        sent_text=target.sent_text.replace(seed_text, text),
                        remote_id=remote_id,
                        permalink=target.permalink.replace(target.remote_id, remote_id)
                        if remote_id
                        else "",
                        published_at=_moved(target.published_at, seed.scheduled_at, at),
                    )
                )
            seed.text = seed_text
            revisions.extend(
                _copied(revision, post=copy, content=content, content_hash=content_hash(content))
                for revision in seed.revisions.all()
            )
            copies.append(copy)
        with transaction.atomic():
            Post.objects.bulk_create(copies)
            PostTarget.objects.bulk_create(targets)
            PostRevision.objects.bulk_create(revisions)


def seed_agency(n: int, run: str, posts: int, keys: int, password: str) -> Tenant:
    """Create one agency with its admin, members, accounts, ``keys`` keys and posts."""
    agency = agency_create(
        name=f"Bench {run} {n}",
        slug=f"bench-{run}-{n}",
        time_zone=ZONE,
        languages=["en", "fr"],
        actor=SYSTEM,
    )
    admin = User.objects.create_user(
        email=f"admin-{n}-{run}@bench.example", name=f"Admin {n}", password=password
    )
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    with agency_scope(agency.pk):
        membership_add(agency=agency, user=admin, roles=[Role.ADMIN], actor=SYSTEM)
        for m in range(MEMBERS):
            person = User.objects.create_user(
                email=f"member-{n}-{m}-{run}@bench.example", name=f"Member {m:02d}"
            )
            role = MEMBER_ROLES[m % len(MEMBER_ROLES)]
            membership_add(agency=agency, user=person, roles=[role], actor=SYSTEM)
        tokens = tuple(
            api_key_create(agency=agency, actor=admin, name=f"Bench {k}", role=Role.ADMIN)[1]
            for k in range(keys)
        )
        account_ids = connect_accounts(agency, admin, run)
        seeds = write_seeds(agency, admin, account_ids)
        copy_seeds(agency, seeds, posts)
        post_ids = list(
            Post.objects.filter(status=PostStatus.SCHEDULED)
            .order_by("?")
            .values_list("pk", flat=True)[:DETAIL_POSTS]
        )
    connection.close()
    return Tenant(agency.slug, agency.pk, tokens, admin.email, secret, tuple(post_ids))


def keys_per_agency(agencies: int) -> int:
    """Return how many keys each agency needs for the run's keys together to allow
    ``KEYS_ALLOW_PER_S`` requests a second under the shipped limit of each key."""
    limit = ApiKeyRateThrottle()
    requests, seconds = limit.parse_rate(limit.get_rate())
    per_key = (requests or 1) / (seconds or 1)
    return max(1, math.ceil(KEYS_ALLOW_PER_S / per_key / agencies))


def seed(agencies: int, posts: int, password: str) -> list[Tenant]:
    """Create the run's agencies, publishing their seeds to an emulator of the run's
    own, stopped once they are all written."""
    run = uuid.uuid4().hex[:6]
    emulator = Processes(LOGS)
    started = time.perf_counter()
    try:
        start_emulator(emulator, EMULATOR_URL)
        keys = keys_per_agency(agencies)
        tenants = [seed_agency(n, run, posts, keys, password) for n in range(agencies)]
    finally:
        emulator.stop()
    analyze()
    took = time.perf_counter() - started
    print(f"seeded {agencies} agencies x {posts} posts in {took:.0f} s", file=sys.stderr)
    return tenants


def analyze() -> None:
    """Update the planner's statistics, as autovacuum would soon after the copies: the
    tables' owner does it (``make bench`` gives its URL), the app role may not."""
    owner = os.environ.get("DATABASE_OWNER_URL")
    if not owner:
        print("bench/api.py: no DATABASE_OWNER_URL, tables not analyzed", file=sys.stderr)
        return
    with psycopg.connect(owner, autocommit=True) as database:
        database.execute("ANALYZE")


# The web server and its clients ------------------------------------------------------


def start_web(processes: Processes) -> None:
    """Collect the static files, then start make run's web server on the run's port
    and wait until it answers."""
    collected = subprocess.run(  # nosec B603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        check=False,
    )
    if collected.returncode != 0:
        raise SystemExit("collectstatic failed")
    web = next(spec for spec in app_processes(WEB_PORT, LOGS, 0) if spec.name == "web")
    # The spec starts with the interpreter; Processes adds this one.
    processes.start("web", list(web.argv[1:]), SITE_ENV)

    def answering() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{WEB_PORT}/healthz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(answering, "the web server starting", LOGS)


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(tenant: Tenant, password: str) -> str:
    """Sign in as the agency's admin on the web server, with the password and then the
    authenticator's code; return the session cookie."""
    base = f"http://127.0.0.1:{WEB_PORT}"
    with httpx.Client(base_url=base, timeout=30) as browser:

        def post_form(path: str, fields: dict[str, str]) -> httpx.Response:
            page = browser.get(path)
            found = CSRF_FIELD.search(page.text)
            if found is None:
                raise SystemExit(f"no form at {path} (logs: {LOGS})")
            return browser.post(path, data=fields | {"csrfmiddlewaretoken": found[1]})

        first = post_form(
            reverse("account_login"), {"login": tenant.admin_email, "password": password}
        )
        if first.headers.get("location") != reverse("mfa_authenticate"):
            raise SystemExit(f"signing in as {tenant.admin_email} was refused")
        second = post_form(reverse("mfa_authenticate"), {"code": totp_code(tenant.totp_secret)})
        if second.status_code != 302:
            raise SystemExit(f"the code of {tenant.admin_email} was refused")
        return str(browser.cookies["sessionid"])


def next_month(zone: ZoneInfo) -> date:
    """Return the first day of next month in ``zone``."""
    today = timezone.localtime(timezone.now(), zone).date()
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def endpoints(tenants: Sequence[Tenant]) -> list[Endpoint]:
    """Return what is measured, the ceiling first, with each agency's path."""
    zone = ZoneInfo(ZONE)
    month = next_month(zone)
    start = datetime.combine(month, datetime.min.time(), tzinfo=zone)
    end = datetime.combine((month + timedelta(days=32)).replace(day=1), start.timetz())
    period = urlencode({"start": start.isoformat(), "end": end.isoformat()}, quote_via=quote)
    page = urlencode({"view": "month", "date": month.isoformat()})

    def each(path: str) -> dict[str, str]:
        return {t.slug: path.format(slug=t.slug) for t in tenants}

    return [
        Endpoint("api-trivial", each("/api/agencies/{slug}/accounts/?page_size=1")),
        Endpoint("api-posts", each("/api/agencies/{slug}/posts/?page_size=50")),
        Endpoint("api-post", each("/api/agencies/{slug}/posts/{{post}}/")),
        Endpoint("api-calendar", each("/api/agencies/{slug}/calendar/?" + period)),
        Endpoint("api-calendar-page", each("/agencies/{slug}/calendar/?" + page), True),
        Endpoint("api-members", each("/api/agencies/{slug}/members/")),
    ]


def requests_of(
    endpoint: Endpoint, tenants: Sequence[Tenant], sessions: dict[str, str]
) -> Iterator[bytes]:
    """Yield the endpoint's requests forever, round-robin over the agencies (those
    signed in to, for a page) and over each agency's keys (and posts, for one post)."""
    host = f"127.0.0.1:{WEB_PORT}"
    if endpoint.by_session:
        tenants = [tenant for tenant in tenants if tenant.slug in sessions]
    for n in itertools.count():
        tenant = tenants[n % len(tenants)]
        path = endpoint.paths[tenant.slug].replace(
            "{post}", str(tenant.post_ids[(n // len(tenants)) % len(tenant.post_ids)])
        )
        token = tenant.tokens[(n // len(tenants)) % len(tenant.tokens)]
        credential = (
            f"Cookie: sessionid={sessions[tenant.slug]}"
            if endpoint.by_session
            else f"Authorization: Bearer {token}"
        )
        yield f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{credential}\r\n\r\n".encode()


async def _connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a connection to the web server, sending each request at once."""
    reader, writer = await asyncio.open_connection("127.0.0.1", WEB_PORT)
    writer.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one answer; return its status."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lengths = [
        int(line.split(":", 1)[1])
        for line in head.split("\r\n")
        if line.lower().startswith("content-length:")
    ]
    if not lengths:
        raise SystemExit(f"an answer without Content-Length: {head.splitlines()[0]}")
    await reader.readexactly(lengths[0])
    return int(head.split(" ", 2)[1])


@dataclass
class Tally:
    """The requests of one endpoint measured so far: each one's duration, and the time
    they took in all."""

    durations: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def per_s(self) -> float:
        """Return the requests answered a second."""
        return len(self.durations) / self.seconds


async def _send(
    requests: Iterator[bytes], clients: int, seconds: float, tally: Tally | None
) -> None:
    """Send ``requests`` from ``clients`` clients for ``seconds``, each client on a
    kept-alive connection made anew every ``CONNECTION_REQUESTS`` requests; count them
    in ``tally`` (None: a warm-up). Stop the run on any answer but 200."""
    durations: list[float] = []
    refused: list[str] = []
    started = time.perf_counter()
    until = started + seconds

    async def client() -> None:
        reader, writer = await _connect()
        try:
            for sent in itertools.count(1):
                if (now := time.perf_counter()) >= until:
                    break
                if sent % CONNECTION_REQUESTS == 0:
                    writer.close()
                    reader, writer = await _connect()
                request = next(requests)
                writer.write(request)
                status = await _answer(reader)
                if status != 200:
                    refused.append(f"{status} for {request.split(b' ')[1].decode()}")
                    return
                durations.append(time.perf_counter() - now)
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    if refused:
        raise SystemExit(f"the server refused a request: {refused[0]} (logs: {LOGS})")
    if tally is not None:
        tally.durations += durations
        tally.seconds += time.perf_counter() - started


def load(
    endpoint: Iterator[bytes], ceiling: Iterator[bytes], clients: int, seconds: float
) -> tuple[Tally, Tally]:
    """Warm the endpoint up, then send its requests and the ceiling's in turns, ``ROUNDS``
    of each, for ``seconds`` each in all; return what each took."""
    measured, paired = Tally(), Tally()

    async def turns() -> None:
        await _send(endpoint, clients, WARM_UP_SECONDS, None)
        for _ in range(ROUNDS):
            await _send(ceiling, clients, seconds / ROUNDS, paired)
            await _send(endpoint, clients, seconds / ROUNDS, measured)

    asyncio.run(turns())
    return measured, paired


def count_queries(path: str, *, token: str = "", session: str = "") -> int:
    """Return the SQL queries of a request of ``path`` made in this process with the
    key or the session cookie given: the second of two, as under load (the first may
    note when the key was last used)."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else Client()
    if session:
        client.cookies["sessionid"] = session
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    if answer.status_code != 200:
        raise SystemExit(f"{path} answered {answer.status_code} in this process")
    return len(queries.captured_queries)


def count_endpoint_queries(
    endpoint: Endpoint, tenants: Sequence[Tenant], sessions: dict[str, str]
) -> tuple[str, dict[str, object]]:
    """Return the path of the endpoint's first agency, and the queries of one request
    of it (and of the other page sizes, for the post list)."""
    first = tenants[0]
    path = endpoint.paths[first.slug].replace("{post}", str(first.post_ids[0]))
    credentials = {"session": sessions[first.slug]} if endpoint.by_session else {}
    credentials = credentials or {"token": first.tokens[0]}
    queries: dict[str, object] = {"queries": count_queries(path, **credentials)}
    if endpoint.name == "api-posts":
        queries["queries_by_page_size"] = {
            str(size): count_queries(path.replace("=50", f"={size}"), **credentials)
            for size in PAGE_SIZES
        }
    return path, queries


def line(
    name: str, path: str, tally: Tally, ratio: float, args: argparse.Namespace
) -> dict[str, object]:
    """Return the line of one endpoint."""
    quantiles = statistics.quantiles(tally.durations, n=100)
    return {
        "bench": name,
        "path": path,
        "clients": args.clients,
        "seconds": round(tally.seconds, 1),
        "requests": len(tally.durations),
        "per_s": round(tally.per_s, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
        "ratio": round(ratio, 3),
    }


def measure(tenants: Sequence[Tenant], sessions: dict[str, str], args: argparse.Namespace) -> None:
    """Count each endpoint's queries, then load it in turns with the ceiling; print its
    line, then the ceiling's (all of its turns)."""
    trivial, *measured = endpoints(tenants)
    ceiling = requests_of(trivial, tenants, sessions)
    asyncio.run(_send(ceiling, args.clients, WARM_UP_SECONDS, None))
    everything = Tally()
    for endpoint in measured:
        path, queries = count_endpoint_queries(endpoint, tenants, sessions)
        tally, paired = load(
            requests_of(endpoint, tenants, sessions), ceiling, args.clients, args.seconds
        )
        everything.durations += paired.durations
        everything.seconds += paired.seconds
        print(
            json.dumps(
                line(endpoint.name, path, tally, tally.per_s / paired.per_s, args) | queries
            ),
            flush=True,
        )
    path, queries = count_endpoint_queries(trivial, tenants, sessions)
    print(json.dumps(line(trivial.name, path, everything, 1.0, args) | queries), flush=True)


def main() -> None:
    """Seed the agencies, start the web server, and measure each endpoint in turn."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--agencies", type=int, default=50, help="agencies")
    parser.add_argument("--posts", type=int, default=2000, help="posts per agency")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured per endpoint")
    args = parser.parse_args()
    if args.agencies < 1 or args.posts < len(SEEDS) or args.clients < 1 or args.seconds <= 0:
        parser.error(f"give at least 1 agency, {len(SEEDS)} posts, 1 client and some seconds")
    print(f"bench/api.py: the processes log to {LOGS}", file=sys.stderr)
    password = secrets.token_urlsafe(18)
    tenants = seed(args.agencies, args.posts, password)
    web = Processes(LOGS)
    try:
        start_web(web)
        signing_in = tenants[:SIGN_INS]
        sessions = {tenant.slug: sign_in(tenant, password) for tenant in signing_in}
        measure(tenants, sessions, args)
    finally:
        web.stop()


if __name__ == "__main__":
    main()
