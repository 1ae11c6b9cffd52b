"""Response-time figures: how long what reached the agency's accounts waited for its
first answer, per account and per member who gave it (median and 90th percentile,
for items that arrived within the agency's business hours, outside them, and all),
and how long the items still open have waited. Reckoned by PostgreSQL over the bound
agency's items that reached the inbox in the period, from when each reached the inbox
to when the first of the agency's replies to it was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractIsoWeekDay, TruncTime
from django.utils import timezone

from accounts.models import Agency, User
from inbox.models import InboxItem, InboxReply, ItemStatus, ReplyState
from inbox.routing import coverage_of
from publishing.models import SocialAccount

# The periods the figures cover, in days back from now.
PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# How long open items have waited: each bucket's upper bound (the last has none).
AGES = (timedelta(hours=1), timedelta(hours=8), timedelta(days=1), timedelta(days=3))


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont``: the value below which ``fraction`` of the
    group's lie, interpolated (an interval for intervals)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, *, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass(frozen=True)
class Timing:
    """How long a group of answered items waited for their first answer."""

    answered: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class Row:
    """One account's or one member's figures: within business hours, outside, all."""

    name: str
    key: int
    in_hours: Timing
    after_hours: Timing
    overall: Timing

    @property
    def columns(self) -> tuple[Timing, Timing, Timing]:
        """All, within business hours, outside them: as the page shows them."""
        return (self.overall, self.in_hours, self.after_hours)


@dataclass(frozen=True)
class Waiting:
    """How many of an account's open items have waited how long (``AGES``' buckets,
    then longer), and how many are open in all."""

    name: str
    key: int
    counts: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class Figures:
    """The bound agency's response times since ``since``, and its open items now."""

    since: datetime
    days: int
    unanswered: int
    by_account: list[Row]
    by_member: list[Row]
    open_by_age: list[Waiting]


def response_figures(*, agency: Agency, days: int) -> Figures:
    """Return the bound agency's figures over the last ``days`` days."""
    since = timezone.now() - timedelta(days=days)
    # Items whose processing is restricted are not used, in figures either.
    arrived = InboxItem.objects.filter(received_at__gte=since, restricted_under="")
    answered = _answered(arrived, agency)
    accounts = {a.pk: str(a) for a in SocialAccount.objects.all()}
    members = {u.pk: u.display_name for u in User.objects.filter(memberships__agency=agency)}
    return Figures(
        since=since,
        days=days,
        unanswered=arrived.count() - answered.count(),
        by_account=_rows(answered, "account", accounts),
        by_member=_rows(answered, "first_by", members),
        open_by_age=_open_by_age(accounts),
    )


def _answered(items: QuerySet[InboxItem], agency: Agency) -> QuerySet[InboxItem]:
    """Return ``items`` that got an answer, each with how long it waited for the first
    (``wait``), who wrote that answer (``first_by``) and whether it arrived in the
    agency's business hours (``in_hours``, by its clock)."""
    first = InboxReply.objects.filter(item=OuterRef("pk"), state=ReplyState.SENT).order_by(
        "sent_at", "id"
    )
    coverage = coverage_of(agency)
    zone = ZoneInfo(agency.time_zone)
    in_hours = Case(
        When(
            Q(weekday__in=[day + 1 for day in coverage.weekdays])
            & Q(clock__gte=coverage.opens_at, clock__lt=coverage.closes_at),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )
    return (
        items.annotate(
            first_sent_at=Subquery(first.values("sent_at")[:1]),
            first_by=Subquery(first.values("written_by")[:1]),
        )
        .filter(first_sent_at__isnull=False)
        .annotate(
            wait=ExpressionWrapper(F("first_sent_at") - F("received_at"), DurationField()),
            weekday=ExtractIsoWeekDay("received_at", tzinfo=zone),
            clock=TruncTime("received_at", tzinfo=zone),
        )
        .annotate(in_hours=in_hours)
    )


def _timings(items: QuerySet[InboxItem], *group: str) -> dict[tuple[Any, ...], Timing]:
    """Return the figures of ``items`` grouped by the fields ``group``."""
    rows = (
        items.order_by()
        .values(*group)
        .annotate(
            answered=Count("id"),
            median=Percentile("wait", fraction=0.5, output_field=DurationField()),
            p90=Percentile("wait", fraction=0.9, output_field=DurationField()),
        )
    )
    return {
        tuple(row[field] for field in group): Timing(row["answered"], row["median"], row["p90"])
        for row in rows
    }


def _rows(items: QuerySet[InboxItem], by: str, names: dict[int, str]) -> list[Row]:
    """Return a row per value of ``by`` (an account, a member), named from ``names``,
    slowest median first."""
    split = _timings(items, by, "in_hours")
    overall = _timings(items, by)
    none = Timing(0, None, None)
    rows = [
        Row(
            name=names.get(key, "—"),
            key=key,
            in_hours=split.get((key, True), none),
            after_hours=split.get((key, False), none),
            overall=timing,
        )
        for (key,), timing in overall.items()
        if key is not None
    ]
    return sorted(rows, key=lambda row: (-(row.overall.median or timedelta()), row.name))


def _open_by_age(names: dict[int, str]) -> list[Waiting]:
    """Return, per account with open items, how long they have waited."""
    now = timezone.now()
    bounds = [now - age for age in AGES]
    buckets = {
        f"age{n}": Count(
            "id",
            filter=Q(received_at__gt=bounds[n]) & (Q(received_at__lte=bounds[n - 1]) if n else Q()),
        )
        for n in range(len(AGES))
    }
    buckets[f"age{len(AGES)}"] = Count("id", filter=Q(received_at__lte=bounds[-1]))
    rows = (
        InboxItem.objects.filter(
            status=ItemStatus.OPEN, deleted_on_network_at=None, restricted_under=""
        )
        .order_by()
        .values("account")
        .annotate(total=Count("id"), **buckets)
    )
    found = [
        Waiting(
            name=names.get(row["account"], "—"),
            key=row["account"],
            counts=tuple(row[f"age{n}"] for n in range(len(AGES) + 1)),
            total=row["total"],
        )
        for row in rows
    ]
    return sorted(found, key=lambda waiting: (-waiting.total, waiting.name))
