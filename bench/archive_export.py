"""Measure a records package of a large archive: how long its build takes and how much
memory, against PostgreSQL copying the same rows out; and how fast the Records page
searches that archive.

Run through ``make bench BENCH=archive_export`` (a fresh database; ``ARGS="--events
100000"`` for a quicker look, about three minutes; the default sizes take about twenty
on two cores, most of it writing the events). For each size of ``--events`` (100,000 and
1,000,000 unless told), an agency of its own gets that many events over the past year,
as the inbox and delivery record them: 85 % a citizen's item received (its data as
``inbox.services`` writes it, in English or, three in ten, in French; six in ten answer
an item among the last 500, so that a conversation holds about three events), 5 % an
item hidden and 7 % a reply written by one of five members of staff, 3 % a post
published. The document of each item and each publication is kept whole through
``archive.keep_documents`` (beside their rows, as the app keeps them) for the share ``--kept``
of them: all unless told (the others' events name a hash the archive does not hold);
``kept_documents`` says how many. The rows are written in large statements
(``govsocial.bulk.rows_insert``), not through the services: what is measured is what
comes after. The log then places them (``log_integrate``), while the tables' statistics
are gathered and, at the end, the tables vacuumed as autovacuum would (``log_place``).
A records officer opens a request, saves on it a search of every day the events cover
(it finds them all and nothing else) and asks for its package. Prints one JSON line per
size, ``archive-export``, with the limits it is measured against taken in the same run:

- ``seconds``: the package's build (``package_build`` from its claim to ready, as the
  worker runs it: the agency bound, outside a transaction) in a process started
  afresh (``spawn``) for this build alone; ``waited_seconds``: how much of it the build
  waited for transactions begun before it elsewhere on the server to end
  (``earlier_transactions_wait``; not the build's work, but on a shared server part
  of its time);
- ``copy_seconds``: ``COPY (SELECT …) TO STDOUT`` of the same events (their place in
  the log and every column the package reads of them, in the log's order), read whole
  through psycopg's ``cursor.copy`` in this process just after the build, both with
  the rows in the cache; ``ratio``: ``seconds`` / ``copy_seconds``, against ``limit``
  (3);
- ``peak_mb``: the building process's peak resident memory (``VmHWM``, its own since
  it started: ``ru_maxrss`` would count this process's, which a spawned child
  inherits on Linux), ``base_mb`` the same before the build began (Python, Django and
  a connection): sizes compare, each build having a process of its own with nothing
  else in it; ``package_mb``: the ZIP's size;
- ``search_p50_ms``, ``search_p99_ms``: the Records page's search over that archive as
  ``archive.views.record_search`` runs it (the form's criteria through
  ``FoundPages``, its first page of 50 and whether another follows, each query in a
  transaction of its own, the agency bound) for five typical searches ``--searches``
  times each, every run counted: words in English, a word in French with accents, how
  an action starts, a citizen's handle, a word in one month; ``search_p99_ms_each``:
  each search's own p99; against ``search_limit_ms`` (300);
- ``count_p50_ms``, ``count_p99_ms``, ``count_p99_ms_each``: the same of the count
  the page asks for once it shows what it found (up to ``COUNTED_AT_MOST`` and one),
  timed after each first page.

With two sizes or more, a last line, ``archive-export-memory``, gives each size's
``peak_mb`` and their ``growth`` (the largest over the smallest, less one) against
``limit`` (0.1: flat). ``--profile FILE`` builds the first size's package once more,
under cProfile, once its figures are taken; it writes the statistics to FILE and the
costliest functions to stderr. The run's database (about 4 GB for a million events, the
documents kept whole among them) stays until the next run makes it afresh.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import multiprocessing
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import psycopg

REPO_ROOT = Path(__file__).resolve().parents[1]
# The repository, not bench/, comes first: this script's name is the app's.
sys.path[0] = str(REPO_ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govsocial.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

import archive  # noqa: E402
from accounts.models import Agency, Role, User  # noqa: E402
from accounts.services import agency_create, membership_add  # noqa: E402
from archive import exports  # noqa: E402
from archive.entries import CONTENT_FIELDS, FACT_FIELDS, canonical, commitment, new_salt  # noqa: E402
from archive.exports import package_build, package_start  # noqa: E402
from archive.forms import RecordSearchForm  # noqa: E402
from archive.models import ArchiveEvent, ExportPackage, PackageStatus, RequestKind  # noqa: E402
from archive.records import FoundPages, event_search  # noqa: E402
from archive.requests import request_open, search_save  # noqa: E402
from archive.services import SYSTEM, earlier_transactions_wait, log_integrate  # noqa: E402
from archive.verification import event_columns  # noqa: E402
from archive.views import PAGE_SIZE  # noqa: E402
from govsocial.bulk import rows_insert  # noqa: E402
from govsocial.tenancy import agency_scope  # noqa: E402

# The days of the request's search are read here, as the records officer's page reads them.
ZONE = "America/Toronto"
RATIO_LIMIT = 3
GROWTH_LIMIT = 0.1
SEARCH_LIMIT_MS = 300
# Events written (and documents kept) in one statement.
BATCH = 20_000
# The events' columns as the archive writes them (the id, transaction and words are the
# database's).
COLUMNS = (*FACT_FIELDS, *CONTENT_FIELDS, "salt", "commitment")
# What happens, and how often in a thousand events.
RECEIVED, HIDDEN, REPLIED, PUBLISHED = (
    "inbox.item_received", "inbox.item_hidden", "inbox.reply_written", "target.published",
)  # fmt: skip
VERBS, SHARES = (RECEIVED, HIDDEN, REPLIED, PUBLISHED), (850, 50, 70, 30)
# The agency's account on each network, and how the network links to an item.
ACCOUNTS = {
    "x": ("riverton", "X", "https://x.com/{author}/status/{id}"),
    "facebook": ("CityOfRiverton", "Facebook", "https://www.facebook.com/{id}"),
    "instagram": ("riverton.city", "Instagram", "https://www.instagram.com/p/{id}/"),
    "mastodon": ("riverton", "Mastodon", "https://social.example/@{author}/{id}"),
    "bluesky": ("riverton.bsky.social", "Bluesky", "https://bsky.app/profile/{author}/post/{id}"),
}
STREETS = (
    "Main Street", "Elm Street", "Wellington", "Rideau", "Bank Street", "King Street",
    "Queen Street", "Laurier", "Saint-Denis", "Sainte-Catherine", "Notre-Dame", "Champlain",
)  # fmt: skip
PLACES = (
    "Riverside Park", "the community centre", "Lansdowne", "the central library",
    "parc Jean-Drapeau", "la place du Marché", "l'hôtel de ville", "Mooney's Bay",
)  # fmt: skip
ENGLISH = (
    "When will the bridge on {street} reopen? It has been closed for a week.",
    "The snow on {street} still hasn't been cleared, the buses can't get through.",
    "Thank you for fixing the pothole near {place}!",
    "Is the pool at {place} open on Saturday morning?",
    "Garbage pickup was missed again on {street}, third time this month.",
    "Why are the streetlights out on {street} every night?",
    "Great job on the festival at {place} this weekend.",
    "The library hours posted online are wrong for {place}.",
    "Can I get a permit for a street party on {street}?",
    "There is flooding at the corner of {street} and {street2} after the storm.",
    "The crossing guard at {street} was not there this morning, kids were in danger.",
    "Please add more bike racks near {place}, they are always full.",
)
FRENCH = (
    "Quand le pont de la rue {street} va-t-il rouvrir ? Il est fermé depuis une semaine.",
    "Le déneigement de la rue {street} n'est toujours pas fait, les autobus ne passent pas.",
    "Merci d'avoir réparé le nid-de-poule près de {place} !",
    "La piscine de {place} est-elle ouverte samedi matin ?",
    "La collecte des ordures a encore été oubliée rue {street}, troisième fois ce mois-ci.",
    "Pourquoi les lampadaires de la rue {street} sont-ils éteints chaque soir ?",
    "Bravo pour le festival à {place} ce week-end, c'était réussi.",
    "Les heures d'ouverture de la bibliothèque affichées en ligne sont erronées.",
    "Peut-on obtenir un permis pour une fête de quartier rue {street} ?",
    "Inondation au coin de la rue {street} et de la rue {street2} après l'orage.",
    "Le brigadier scolaire de la rue {street} était absent ce matin, c'est dangereux.",
    "Ajoutez des supports à vélos près de {place}, ils sont toujours pleins.",
)
REPLIES = {
    "en": (
        "Thank you, we have passed this on to public works.",
        "Thanks for letting us know: a crew is on its way to {street}.",
        "The schedule for {place} is on our website; call 311 for anything else.",
    ),
    "fr": (
        "Merci, nous avons transmis votre message aux travaux publics.",
        "Merci de nous l'avoir signalé : une équipe se rend rue {street}.",
        "L'horaire de {place} est sur notre site ; composez le 311 pour le reste.",
    ),
}
POSTS = (
    "Snow removal operations continue tonight on {street}: please move your car.",
    "Opération de déneigement cette nuit rue {street} : déplacez votre voiture.",
    "The pool at {place} opens on Saturday at nine.",
    "La piscine de {place} ouvre samedi à neuf heures.",
    "Road work on {street} from Monday: expect delays.",
)
CLAUSES = (("2.1", "Personal attacks"), ("2.3", "Spam"), ("2.4", "Personal information"))
FIRST_NAMES = (
    "Amara", "Louis", "Chloé", "Noah", "Léa", "Liam", "Zoé", "Mateo", "Aisha", "Félix",
    "Maya", "Hugo", "Olivia", "Théo", "Emma", "Jacob", "Inès", "Owen", "Sofia", "Gabriel",
)  # fmt: skip
LAST_NAMES = (
    "Okafor", "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Nguyen",
    "Smith", "Brown", "Wilson", "Lavoie", "Fortin", "Pelletier", "Bélanger", "Chen", "Singh",
)  # fmt: skip
STAFF = ("Sam Rivera", "Nadia Benali", "Marc-André Côté", "Priya Patel", "Julie Fontaine")
# How many citizens write; the handle searched for is one of them.
CITIZENS = 6_000
# The searches of the Records page timed, as its form sends them.
SEARCHES = {
    "english-words": {"q": "bridge closed"},
    "french-words": {"q": "déneigement"},
    "action": {"action": "inbox.item_hidden"},
    "person": {"person": "amara.okafor"},
    # In the month and a half before the last day.
    "month-words": {"q": "pool"},
}


@dataclass
class Item:
    """An item received, as later events about it need it."""

    pk: int
    remote_id: str
    network: str
    thread: str
    author_handle: str
    language: str
    # How the archive names it.
    shown: str


@dataclass
class Happenings:
    """What goes on in an agency's inbox and delivery, made up at random (the same
    for the same seed): an event at a time, each with its document to keep, if any."""

    agency: Agency
    staff: list[User]
    chooser: random.Random
    recent: deque[Item] = field(default_factory=lambda: deque(maxlen=500))
    made: int = 0

    def event(self, when: datetime) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Return the fields of the next event (at ``when``) and the document it keeps."""
        self.made += 1
        (verb,) = self.chooser.choices(VERBS, SHARES)
        if verb == RECEIVED or not self.recent:
            return self.received(when)
        if verb == PUBLISHED:
            return self.published(when)
        item = self.chooser.choice(self.recent)
        person = self.chooser.choice(self.staff)
        actor = ("accounts.user", str(person.pk), person.name)
        if verb == HIDDEN:
            code, title = self.chooser.choice(CLAUSES)
            data: dict[str, Any] = {
                "clause": code,
                "clause_title": title,
                "note": "",
                "author": item.author_handle,
            }
            about = ("inbox.inboxitem", str(item.pk), item.shown)
            return self.fields(when, verb, actor, about, data), None
        text = self.words(self.chooser.choice(REPLIES[item.language]))
        about = ("inbox.inboxreply", str(self.made), f"reply to {item.pk}: {text[:60]}")
        data = {
            "item": item.pk,
            "text": text,
            "network": item.network,
            "thread": item.thread,
        }
        return self.fields(when, verb, actor, about, data), None

    def received(self, when: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return a citizen's item received (a reply in a recent conversation, most
        often) and its document."""
        chooser = self.chooser
        citizen = chooser.randrange(CITIZENS)
        first = FIRST_NAMES[citizen % len(FIRST_NAMES)]
        last = LAST_NAMES[citizen // len(FIRST_NAMES) % len(LAST_NAMES)]
        # Citizens of the same name have a number after it.
        namesakes = citizen // (len(FIRST_NAMES) * len(LAST_NAMES))
        handle = f"{first}.{last}{namesakes or ''}".lower()
        language = "fr" if chooser.random() < 0.3 else "en"
        text = self.words(chooser.choice(FRENCH if language == "fr" else ENGLISH))
        remote_id = str(1_790_000_000_000_000_000 + self.made * 7919)
        parent = chooser.choice(self.recent) if self.recent and chooser.random() < 0.6 else None
        if parent is not None:
            network, kind, thread = parent.network, "reply", parent.thread
        else:
            network = chooser.choice(tuple(ACCOUNTS))
            kind = chooser.choice(("mention", "comment", "comment", "message"))
            thread = f"@{handle}" if kind == "message" else remote_id
        account, _label, link = ACCOUNTS[network]
        document = {
            "network": network,
            "account": account,
            "remote_id": remote_id,
            "kind": kind,
            "author_handle": handle,
            "author_name": f"{first} {last}",
            "text": text,
            "permalink": link.format(author=handle, id=remote_id),
            "written_at": (when - timedelta(seconds=chooser.randrange(30, 900))).isoformat(),
            "in_reply_to": parent.remote_id if parent is not None else "",
            "thread": thread,
            "language": language,
        }
        item = Item(
            self.made, remote_id, network, thread, handle, language, f"{handle}: {text[:60]}"
        )
        self.recent.append(item)
        data = document | {"version": 1, "content": _hash(document)}
        about = ("inbox.inboxitem", str(item.pk), item.shown)
        return self.fields(when, RECEIVED, ("system", "", "system"), about, data), document

    def published(self, when: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return a post published on one of the agency's accounts, and what went out."""
        network = self.chooser.choice(tuple(ACCOUNTS))
        account, label, link = ACCOUNTS[network]
        text = self.words(self.chooser.choice(POSTS))
        remote_id = str(1_790_000_000_000_000_000 + self.made * 7919)
        permalink = link.format(author=account, id=remote_id)
        document = {
            "network": network, "account": account, "post": self.made, "text": text, "link": "",
            "media": [], "first_comment": "", "remote_id": remote_id, "permalink": permalink,
            "published_at": when.isoformat(),
        }  # fmt: skip
        data = {
            "post": self.made, "account": tuple(ACCOUNTS).index(network) + 1,
            "from": "sending", "to": "published", "attempt": 1, "remote_id": remote_id,
            "content_hash": _hash({"text": text}), "next_attempt_at": None, "reason": "",
            "published": _hash(document),
        }  # fmt: skip
        about = ("publishing.posttarget", str(self.made), f"{text[:60]} → {label} {account}")
        return self.fields(when, PUBLISHED, ("system", "", "system"), about, data), document

    def words(self, template: str) -> str:
        """Return ``template`` about a street and a place of the city."""
        street, street2 = self.chooser.sample(STREETS, 2)
        return template.format(street=street, street2=street2, place=self.chooser.choice(PLACES))

    def fields(
        self,
        when: datetime,
        verb: str,
        actor: tuple[str, str, str],
        about: tuple[str, str, str],
        data: dict[str, Any],
    ) -> dict[str, Any]:
        """Return an event's fields as ``archive.record`` writes them."""
        fields: dict[str, Any] = {
            "agency_id": self.agency.pk,
            "occurred_at": when,
            "actor_type": actor[0],
            "actor_id": actor[1],
            "actor_name": actor[2],
            "verb": verb,
            "object_type": about[0],
            "object_id": about[1],
            "object_repr": about[2][:300],
            "ip_address": "",
            "user_agent": "",
            "request_id": "",
            "data": data,
            "salt": new_salt(),
        }
        fields["commitment"] = commitment(fields, salt=fields["salt"])
        return fields


def _hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


@dataclass(frozen=True)
class Filled:
    """An agency's archive as the benchmark filled it: its records officer, the days
    its events cover (in ``ZONE``) and how many documents it kept."""

    agency: Agency
    officer: User
    first_day: date
    last_day: date
    kept: int


def agency_fill(events: int, kept_share: float, seed: int) -> Filled:
    """Make an agency with a records officer and five members of staff, write ``events``
    events over the past year, keeping the share ``kept_share`` of their documents, and
    place them in its log."""
    run = uuid.uuid4().hex[:8]
    agency = agency_create(name=f"Bench {run}", slug=f"bench-export-{run}", actor=SYSTEM)
    people = []
    with agency_scope(agency.pk):
        for n, name in enumerate(("Rowan Records", *STAFF)):
            person = User.objects.create_user(email=f"member-{n}-{run}@bench.example", name=name)
            role = Role.RECORDS_OFFICER if n == 0 else Role.AUTHOR
            membership_add(agency=agency, user=person, roles=[role], actor=SYSTEM)
            people.append(person)
        happenings = Happenings(agency, people[1:], random.Random(seed))  # noqa: S311  # nosec B311
        # From a year ago to two days ago: the request's search covers them and none of
        # the events made today (the agency, its members, the request).
        end = timezone.now() - timedelta(days=2)
        start = end - timedelta(days=365)
        step = (end - start) / events
        kept = 0
        for first in range(0, events, BATCH):
            rows, documents = [], []
            for n in range(first, min(first + BATCH, events)):
                fields, document = happenings.event(start + step * n)
                rows.append([json.dumps(fields[c]) if c == "data" else fields[c] for c in COLUMNS])
                if document is not None and happenings.chooser.random() < kept_share:
                    documents.append(document)
            with transaction.atomic():
                archive.keep_documents(agency=agency, documents=documents)
                rows_insert(ArchiveEvent, COLUMNS, rows)
            kept += len(documents)
        log_place(agency)
    connection.close()
    zone = ZoneInfo(ZONE)
    return Filled(
        agency, people[0], start.astimezone(zone).date(), end.astimezone(zone).date(), kept
    )


def log_place(agency: Agency) -> None:
    """Place the bound agency's events in its log, a batch at a time, with the tables'
    statistics gathered as autovacuum would gather them (the build machines' server runs
    without it): once the events are written, then whenever the log has grown by more
    than a tenth since (its default threshold); and at the end the tables vacuumed, as
    autovacuum does a table whose rows grew by a fifth. Without statistics the planner
    takes a new agency's events and leaves for one row each, and the build's and the
    sequencer's joins become loops over the whole log for each row; without the vacuum
    the first search or build to read a row marks it committed (a write to its page), a
    cost a deployment's archive paid long before, when autovacuum went by."""
    with psycopg.connect(os.environ["DATABASE_OWNER_URL"], autocommit=True) as owner:

        def gathered() -> float:
            """Gather the statistics, as the tables' owner; return the log's rows."""
            owner.execute(f"ANALYZE {LOG_TABLES}")
            found = owner.execute(
                "SELECT reltuples FROM pg_class WHERE relname = 'archive_archiveevent'"
            ).fetchone()
            return float(found[0]) if found else 0.0

        rows, since = gathered(), 0
        # Every event written is placed once the transactions begun before them ended.
        earlier_transactions_wait(within=600)
        while placed := log_integrate(agency_id=agency.pk, limit=BATCH):
            since += placed
            if since > 50 + rows / 10:
                rows, since = gathered(), 0
        owner.execute(f"VACUUM (ANALYZE) {LOG_TABLES}")


# The tables the log's placing fills, whose statistics and vacuum ``log_place`` sees to.
LOG_TABLES = (
    "archive_archiveevent, archive_archiveleaf, archive_archivesubtree, archive_archivecontent,"
    " archive_archivecontentbytes, archive_eventsearch, archive_contentuse"
)


def package_ask(filled: Filled) -> ExportPackage:
    """Open a request, save on it a search of every day the events cover, and ask for
    its package, as the agency's records officer."""
    officer = filled.officer
    with agency_scope(filled.agency.pk, user_id=officer.pk):
        request = request_open(
            agency=filled.agency,
            actor=officer,
            person=officer,
            kind=RequestKind.PUBLIC_RECORDS,
            requester="Dana Reporter",
            subject="Everything said on and to the city's accounts over the past year",
            received_on=timezone.localdate(),
        )
        search_save(
            request=request,
            actor=officer,
            person=officer,
            name="The past year",
            criteria=_days(filled.first_day, filled.last_day),
        )
        return package_start(
            request=request, actor=officer, person=officer, time_zone=ZONE, language="en"
        )


def _days(first: date, last: date) -> dict[str, str]:
    return {"since": first.isoformat(), "until": last.isoformat()}


def _peak_mb() -> float:
    """Return this process's peak resident memory since it started, in MB."""
    status = Path("/proc/self/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def build(agency_id: int, package_id: int, profile: str) -> tuple[float, float, float, float]:
    """Build the package in this process (started for it alone), under cProfile into
    the file ``profile`` if named; return the build's seconds, the seconds of them it
    waited for the server's other transactions, and the process's peak memory before it
    and after, in MB."""
    waited: list[float] = []

    def wait_timed(*, within: float) -> None:
        started = time.perf_counter()
        earlier_transactions_wait(within=within)
        waited.append(time.perf_counter() - started)

    # Timed where the build waits, to tell its work from other work on the same server.
    with (
        patch.object(exports, "earlier_transactions_wait", wait_timed),
        agency_scope(agency_id),
    ):
        connection.ensure_connection()
        before = _peak_mb()
        started = time.perf_counter()
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(package_build, package_id=package_id)
            profiler.dump_stats(profile)
        else:
            package_build(package_id=package_id)
        seconds = time.perf_counter() - started
    connection.close()
    return seconds, sum(waited), before, _peak_mb()


@dataclass(frozen=True)
class Built:
    """A package built, how long its build took (and waited for other transactions), and
    the building process's peak memory before it and after, in MB."""

    package: ExportPackage
    seconds: float
    waited_seconds: float
    base_mb: float
    peak_mb: float


def build_apart(filled: Filled, package: ExportPackage, profile: str = "") -> Built:
    """Build ``package`` in a new process (under cProfile into the file ``profile`` if
    named); return it built, with its figures."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as alone:
        figures = alone.submit(build, filled.agency.pk, package.pk, profile).result()
    with agency_scope(filled.agency.pk):
        built = ExportPackage.objects.select_related("head", "request").get(pk=package.pk)
    if built.status != PackageStatus.READY:
        raise SystemExit(f"the package was not built: {built.failure}")
    return Built(built, *figures)


def copy_seconds(filled: Filled, package: ExportPackage) -> float:
    """Return how long ``COPY … TO STDOUT`` takes to give the package's events: the
    same rows, columns and order as the package reads them."""
    with agency_scope(filled.agency.pk):
        found, params = (
            event_search(**_criteria(_days(filled.first_day, filled.last_day)))
            .order_by()
            .values("id")
            .query.sql_with_params()
        )
        statement = (
            # The archive's own columns and the search's SQL, its values as parameters.
            f"COPY (SELECT l.position, {event_columns()} FROM archive_archiveleaf AS l"  # noqa: S608  # nosec B608
            " JOIN archive_archiveevent AS e ON e.id = l.event_id"
            f" WHERE l.agency_id = %s AND l.position < %s AND e.id IN ({found})"
            " ORDER BY l.position) TO STDOUT"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # The bound agency, set in the transaction by its first statement.
            cursor.execute("SELECT 1")
            started = time.perf_counter()
            copied = 0
            size = package.head.size if package.head is not None else 0
            with cursor.copy(statement, [filled.agency.pk, size, *params]) as rows:
                for chunk in rows:
                    copied += len(chunk)
            seconds = time.perf_counter() - started
    connection.close()
    if not copied:
        raise SystemExit("COPY gave nothing")
    return seconds


def _criteria(sent: dict[str, str]) -> dict[str, Any]:
    """Return ``event_search``'s criteria from the search form's fields, as the page
    reads them."""
    form = RecordSearchForm(sent)
    if not form.is_valid():
        raise SystemExit(f"the search {sent} is not one the page takes: {form.errors}")
    return form.criteria(ZoneInfo(ZONE))


def searches_ms(
    filled: Filled, times: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Run each typical search ``times`` times as the Records page does: its first page,
    then its count; return each one's times in milliseconds, the pages' and the
    counts'."""
    month = filled.last_day - timedelta(days=45)
    sent = SEARCHES | {
        "month-words": SEARCHES["month-words"] | _days(month, month + timedelta(days=30))
    }
    pages: dict[str, list[float]] = {name: [] for name in sent}
    counts: dict[str, list[float]] = {name: [] for name in sent}
    with agency_scope(filled.agency.pk, user_id=filled.officer.pk):
        for _ in range(times):
            for name, fields in sent.items():
                started = time.perf_counter()
                found = FoundPages(_criteria(fields), PAGE_SIZE)
                shown = list(found.get_page(1).object_list)
                pages[name].append((time.perf_counter() - started) * 1000)
                if not shown:
                    raise SystemExit(f"the search {name} found nothing")
                started = time.perf_counter()
                count = FoundPages(_criteria(fields), PAGE_SIZE).count
                counts[name].append((time.perf_counter() - started) * 1000)
                if count < len(shown):
                    raise SystemExit(f"the search {name} counted {count}, showed {len(shown)}")
    connection.close()
    return pages, counts


def _p99(samples: list[float]) -> float:
    return round(statistics.quantiles(samples, n=100)[98], 1)


def measure(events: int, kept_share: float, times: int, profile: str) -> float:
    """Fill an agency's archive with ``events`` events, build a package of them, copy
    them out and search them; print the figures and return the build's peak memory."""
    started = time.perf_counter()
    filled = agency_fill(events, kept_share, seed=events)
    note(f"{events} events written and placed in {time.perf_counter() - started:.0f} s")
    built = build_apart(filled, package_ask(filled))
    if built.package.events != events:
        raise SystemExit(f"the package holds {built.package.events} events, not {events}")
    copied = copy_seconds(filled, built.package)
    taken, counted = searches_ms(filled, times)
    every = [ms for samples in taken.values() for ms in samples]
    every_count = [ms for samples in counted.values() for ms in samples]
    say(
        "archive-export",
        events=events,
        kept_documents=filled.kept,
        seconds=round(built.seconds, 2),
        waited_seconds=round(built.waited_seconds, 2),
        copy_seconds=round(copied, 2),
        ratio=round(built.seconds / copied, 2),
        limit=RATIO_LIMIT,
        peak_mb=round(built.peak_mb, 1),
        base_mb=round(built.base_mb, 1),
        package_mb=round((built.package.size or 0) / 2**20, 1),
        search_p50_ms=round(statistics.median(every), 1),
        search_p99_ms=_p99(every),
        search_p99_ms_each={name: _p99(samples) for name, samples in taken.items()},
        search_limit_ms=SEARCH_LIMIT_MS,
        count_p50_ms=round(statistics.median(every_count), 1),
        count_p99_ms=_p99(every_count),
        count_p99_ms_each={name: _p99(samples) for name, samples in counted.items()},
    )
    if profile:
        profiled(filled, built.package, profile)
    return built.peak_mb


def profiled(filled: Filled, done: ExportPackage, profile: str) -> None:
    """Build a package of ``done``'s request again under cProfile; write its statistics
    to ``profile`` and the costliest functions to stderr."""
    with agency_scope(filled.agency.pk, user_id=filled.officer.pk):
        package = package_start(
            request=done.request,
            actor=filled.officer,
            person=filled.officer,
            time_zone=ZONE,
            language="en",
        )
    build_apart(filled, package, profile)
    costs = pstats.Stats(profile, stream=sys.stderr)
    costs.sort_stats("tottime").print_stats(25)
    costs.sort_stats("cumulative").print_stats(40)


def note(text: str) -> None:
    """Tell how the run goes, on stderr (stdout has only the figures)."""
    print(text, file=sys.stderr, flush=True)


def say(bench: str, **figures: Any) -> None:
    print(json.dumps({"bench": bench, **figures}, ensure_ascii=False), flush=True)


def _sizes(text: str) -> list[int]:
    sizes = [int(size.replace("_", "")) for size in text.split(",") if size.strip()]
    if not sizes or min(sizes) < 1000:
        raise argparse.ArgumentTypeError("sizes of 1000 events or more, e.g. 100000,1000000")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events",
        type=_sizes,
        default=[100_000, 1_000_000],
        help="the archive's sizes, each an agency of its own (100000,1000000)",
    )
    parser.add_argument(
        "--kept", type=float, default=1.0, help="the share of documents kept whole (1: all)"
    )
    parser.add_argument("--searches", type=int, default=20, help="times each typical search is run")
    parser.add_argument("--profile", default="", help="profile a build of the first size into FILE")
    args = parser.parse_args()
    if not 0 <= args.kept <= 1 or args.searches < 2:
        parser.error("--kept goes from 0 to 1, --searches from 2")
    peaks = {}
    for n, events in enumerate(args.events):
        peaks[events] = measure(events, args.kept, args.searches, args.profile if n == 0 else "")
    if len(peaks) > 1:
        say(
            "archive-export-memory",
            peak_mb={events: round(peak, 1) for events, peak in peaks.items()},
            growth=round(max(peaks.values()) / min(peaks.values()) - 1, 3),
            limit=GROWTH_LIMIT,
        )


if __name__ == "__main__":
    main()
