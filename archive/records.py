"""The records officers' reading of the archive: events found by words (full text, in
English and French, case and accents aside), by action, by person (case and accents
aside) and by date, words and persons beside the log (archive migrations 0011, 0019
and 0020); and one event's proof checked on the server against the latest signed head
that holds it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.apps import apps
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from archive import signing
from archive.errors import ArchiveError
from archive.models import ArchiveContent, ArchiveEvent, ArchiveHead, ArchiveLeaf
from archive.proofs import inclusion_problem
from archive.selectors import inclusion_document

# Who reads an agency's archive: its records officers and its admins.
READERS = frozenset({"records_officer", "admin"})
# The most records a search counts: past it, a page says there are more than this many
# (a package holds them all), and counting stops there rather than reading them all.
COUNTED_AT_MOST = 10_000
# The most events a page reads up to (``archive_event_found`` takes their number as a
# PostgreSQL integer, and a page reads one more than it shows): pages past it have none.
FOUND_AT_MOST = 2**31 - 2
# The order events are found in (archive_event_found orders them the same way).
NEWEST_FIRST = ("-occurred_at", "-id")
# How an event's data names content the archive keeps: a string value, at any depth, of
# its SHA-256 in hex (never a key), as the sequencer and packages read it.
_KEPT = re.compile(r"[0-9a-f]{64}")


def event_search(
    *,
    words: str = "",
    action: str = "",
    person: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[ArchiveEvent]:
    """Return the bound agency's events, newest first, narrowed to those that say
    ``words``, whose action is or starts with ``action``, that name ``person`` (who
    acted, what it was about, the citizen who wrote), from ``since`` to before
    ``until``."""
    found = event_condition(words=words, action=action, person=person, since=since, until=until)
    return ArchiveEvent.objects.filter(found).order_by(*NEWEST_FIRST)


def event_condition(
    *,
    words: str = "",
    action: str = "",
    person: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> Q:
    """Return the condition ``event_search`` puts on an event: by words or person, its
    id among those the search beside the log finds (with its action and days there);
    otherwise on its own columns. A query joining the log to it reads each event once,
    never the events again per row."""
    beside = _beside(words=words, action=action, person=person, since=since, until=until)
    if beside is not None:
        return Q(id__in=beside.found())
    found = Q()
    if action.strip():
        found &= Q(verb__startswith=action.strip())
    if since is not None:
        found &= Q(occurred_at__gte=since)
    if until is not None:
        found &= Q(occurred_at__lt=until)
    return found


@dataclass(frozen=True)
class _Beside:
    """A search by words or by person, answered beside the log (archive migrations 0019
    and 0020): read as English and as French, case and accents aside, a person through
    the parts of names, among the events placed in the log (within seconds of their
    commit), with its action and days."""

    words: str | None
    person: str | None
    action: str | None
    since: datetime | None
    until: datetime | None

    def found(self, most: int | None = None, *, newest_first: bool = True) -> RawSQL:
        """Return the ids of the events found, newest first (or in no order, to count
        them), ``most`` of them at most."""
        return RawSQL(
            "SELECT archive_event_found(%s::text, %s::text, %s::text, %s::timestamptz,"
            " %s::timestamptz, %s::integer, %s::boolean)",
            (self.words, self.person, self.action, self.since, self.until, most, newest_first),
        )


def _beside(
    *,
    words: str = "",
    action: str = "",
    person: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> _Beside | None:
    """Return the search beside the log, when words or a person are searched."""
    named = " ".join(person.split())
    if not words.strip() and not named:
        return None
    return _Beside(words.strip() or None, named or None, action.strip() or None, since, until)


class FoundPages(Paginator):
    """Pages of the events a search found (``event_search``'s criteria, or None for
    none). A page is read without counting them: it reads one event more than it shows,
    to know whether another page follows. ``count`` counts them when asked, up to
    ``COUNTED_AT_MOST`` (or all of them, ``count_all``). A search by words or by person
    is ordered, cut and counted beside the log: a page reads only its own events."""

    object_list: QuerySet[ArchiveEvent]

    def __init__(
        self, criteria: dict[str, Any] | None, per_page: int, *, count_all: bool = False
    ) -> None:
        found = ArchiveEvent.objects.none() if criteria is None else event_search(**criteria)
        super().__init__(found, per_page)
        self.beside = None if criteria is None else _beside(**criteria)
        self.count_all = count_all

    @cached_property
    def count(self) -> int:
        """How many were found, or one more than ``COUNTED_AT_MOST`` if more were and
        not all are counted."""
        most = None if self.count_all else COUNTED_AT_MOST + 1
        if self.beside is not None:
            with connection.cursor() as cursor:
                found = self.beside.found(most, newest_first=False)
                cursor.execute(f"SELECT count(*) FROM ({found.sql}) AS found", found.params)  # noqa: S608  # nosec B608
                return int(cursor.fetchone()[0])
        found_here = self.object_list.order_by()
        return (found_here if most is None else found_here[:most]).count()

    def validate_number(self, number: Any) -> int:
        """Return ``number`` if a page can have it: whether that page holds events is
        known only by reading it."""
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if number * self.per_page > FOUND_AT_MOST:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number: Any) -> Page:
        """Return page ``number``, with one event more read to know whether another
        follows; beside the log, the ids of the events up to it, then its events alone.
        Past the last page, raise ``EmptyPage``."""
        number = self.validate_number(number)
        first = (number - 1) * self.per_page
        if self.beside is None:
            shown = list(self.object_list[first : first + self.per_page + 1])
            followed = len(shown) > self.per_page
        else:
            found = self.beside.found(first + self.per_page + 1)
            with connection.cursor() as cursor:
                cursor.execute(found.sql, found.params)
                ids = [event_id for (event_id,) in cursor.fetchall()[first:]]
            followed = len(ids) > self.per_page
            read = ArchiveEvent.objects.filter(id__in=ids[: self.per_page])
            shown = list(read.order_by(*NEWEST_FIRST))
        if not shown and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return FoundPage(shown[: self.per_page], number, self, followed=followed)

    def get_page(self, number: Any) -> Page:
        """Return page ``number``; the first if it is not a number, the last (which
        counts them) if it is past the end."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    @property
    def counted_all(self) -> bool:
        """Whether ``count`` is all of them."""
        return self.count_all or self.count <= COUNTED_AT_MOST


class FoundPage(Page):
    """A page of the events a search found, which knows whether another follows
    (``followed``) without their count."""

    def __init__(
        self, object_list: list[ArchiveEvent], number: int, paginator: FoundPages, *, followed: bool
    ) -> None:
        super().__init__(object_list, number, paginator)
        self.followed = followed

    def has_next(self) -> bool:
        return self.followed


def event_get(*, event_id: int) -> ArchiveEvent | None:
    """Return one of the bound agency's events, or None."""
    return ArchiveEvent.objects.filter(pk=event_id).first()


# The most records of each kind of an event's context that are shown.
CONTEXT_LONGEST = 200


def event_context(*, event: ArchiveEvent) -> dict[str, QuerySet[ArchiveEvent]]:
    """Return what ``event`` belongs to, each oldest first (``CONTEXT_LONGEST`` at most):
    the ``history`` of its object, the history of what that is ``part_of``, and the
    ``conversation`` it belongs to."""
    return {
        "history": event_history(event=event)[:CONTEXT_LONGEST],
        "part_of": event_part_of(event=event)[:CONTEXT_LONGEST],
        "conversation": event_conversation(event=event)[:CONTEXT_LONGEST],
    }


def event_history(*, event: ArchiveEvent) -> QuerySet[ArchiveEvent]:
    """Return every event of the bound agency about the same object as ``event`` (an
    item received, edited, hidden, answered…; a post written, approved, published),
    oldest first; none when it is about no object."""
    if not event.object_type or not event.object_id:
        return ArchiveEvent.objects.none()
    return ArchiveEvent.objects.filter(
        object_type=event.object_type, object_id=event.object_id
    ).order_by("occurred_at", "id")


def event_part_of(*, event: ArchiveEvent) -> QuerySet[ArchiveEvent]:
    """Return the history of what the object of ``event`` is part of (a post, for its
    delivery to one account: how it was written, submitted and approved step by step),
    oldest first; none when it is part of nothing. The archive imports no app, so it
    asks: the object's model names, in ``archive_part_of``, the field whose value the
    event's data records."""
    try:
        model = apps.get_model(event.object_type) if event.object_type else None
    except (LookupError, ValueError):
        model = None
    field_name = getattr(model, "archive_part_of", "")
    data = event.data if isinstance(event.data, dict) else {}
    if model is None or not field_name or data.get(field_name) is None:
        return ArchiveEvent.objects.none()
    whole = model._meta.get_field(field_name).related_model
    return ArchiveEvent.objects.filter(
        object_type=whole._meta.label_lower, object_id=str(data[field_name])
    ).order_by("occurred_at", "id")


def event_conversation(*, event: ArchiveEvent) -> QuerySet[ArchiveEvent]:
    """Return the events of the conversation ``event`` belongs to — what citizens wrote
    in an inbox thread and the replies written to it — oldest first; none when it
    belongs to none. An event about an inbox item (its hiding, say) belongs to the
    conversation the item was received in."""
    data = event.data if isinstance(event.data, dict) else {}
    if not data.get("thread") and event.object_type and event.object_id:
        data = (
            ArchiveEvent.objects.filter(
                object_type=event.object_type, object_id=event.object_id, data__has_key="thread"
            )
            .order_by("id")
            .values_list("data", flat=True)
            .first()
        ) or {}
    if not data.get("thread"):
        return ArchiveEvent.objects.none()
    return ArchiveEvent.objects.filter(
        data__has_key="thread", data__network=data.get("network"), data__thread=data["thread"]
    ).order_by("occurred_at", "id")


def head_with(event: ArchiveEvent) -> ArchiveHead | None:
    """Return the latest signed head of the bound agency's log that holds ``event``,
    or None while none does (the log places events within seconds; heads are signed
    hourly, or when asked)."""
    position = (
        ArchiveLeaf.objects.filter(event_id=event.pk).values_list("position", flat=True).first()
    )
    if position is None:
        return None
    return (
        ArchiveHead.objects.filter(agency_id=event.agency_id, size__gt=position)
        .order_by("-signed_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Checked:
    """What checking an event's proof found: the head it was checked against, its
    position in the log, and the problem ("" when the proof holds)."""

    head: ArchiveHead
    position: int
    problem: str

    @property
    def holds(self) -> bool:
        return not self.problem


def event_check(*, event: ArchiveEvent, head: ArchiveHead) -> Checked:
    """Check on the server, as a reader would offline (``archive.proofs``), that
    ``event`` is in the log as ``head`` signed it, with the content it commits to, and
    that the deployment's key signed that head."""
    try:
        document = inclusion_document(event=event, head=head)
    except ArchiveError as error:
        return Checked(head=head, position=-1, problem=str(error.message))
    key = signing.public_keys().get(head.key_id)
    if key is None:
        problem = "the head names a key this deployment does not publish"
    else:
        problem = inclusion_problem(document, key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    return Checked(head=head, position=document["position"], problem=problem)


def kept_hashes(data: Any) -> list[str]:
    """Return the hashes of kept content an event's data names (``content``,
    ``published``, a medium's ``sha256``…), in order, each once."""
    named: dict[str, None] = {}
    values = [data]
    while values:
        value = values.pop()
        if isinstance(value, str):
            if len(value) == 64 and _KEPT.fullmatch(value):
                named[value] = None
        elif isinstance(value, dict):
            values.extend(reversed(value.values()))
        elif isinstance(value, list):
            values.extend(reversed(value))
    return list(named)


def kept_of(data: Any) -> list[str]:
    """Return the hashes an event's data names that the bound agency's archive keeps."""
    named = kept_hashes(data)
    kept = set(ArchiveContent.objects.filter(sha256__in=named).values_list("sha256", flat=True))
    return [digest for digest in named if digest in kept]
