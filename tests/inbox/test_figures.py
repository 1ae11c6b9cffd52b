"""Response-time figures: the first answer's wait per account and per member, split by
the agency's business hours, reckoned by PostgreSQL; open items by how long they have
waited; on a page and in the API."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Role
from govsocial.tenancy import agency_scope
from inbox.figures import response_figures
from inbox.models import InboxItem, InboxReply, ItemStatus, ReplyState
from inbox.routing import coverage_set
from inbox.templatetags.inbox_tags import wait
from tests.conftest import Personas
from tests.factories import api_key_for, inbox_item_for

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


def _arrived(personas: Personas, at: datetime, *, account: int | None = None) -> InboxItem:
    """A citizen's comment that reached the inbox at ``at`` (on ``account``'s account, or
    a new one)."""
    item = inbox_item_for(personas.agency_a)
    with agency_scope(personas.agency_a.pk):
        InboxItem.objects.filter(pk=item.pk).update(
            received_at=at, account=account or item.account_id
        )
        return InboxItem.objects.get(pk=item.pk)


def _answered(item: InboxItem, by: Membership, after: timedelta) -> None:
    """The agency's first reply to ``item``, sent ``after`` it arrived; the item closed."""
    with agency_scope(item.agency_id):
        InboxReply.objects.create(
            agency=item.agency,
            item=item,
            text="Thank you.",
            written_by=by.user,
            state=ReplyState.SENT,
            sent_at=item.received_at + after,
        )
        # A later one does not count: only the first answer's wait does.
        InboxReply.objects.create(
            agency=item.agency,
            item=item,
            text="Anything else?",
            written_by=by.user,
            state=ReplyState.SENT,
            sent_at=item.received_at + after + timedelta(hours=9),
        )
        InboxItem.objects.filter(pk=item.pk).update(status=ItemStatus.CLOSED)


@pytest.fixture
def arrivals(personas: Personas) -> dict[str, InboxItem]:
    """Four items on one account two days ago (two in business hours, 9:00 to 17:00
    every day in the agency's clock, answered in 10 and 30 minutes; one at 20:00,
    answered in 5 hours; one at 10:00, never answered), and one on another account half
    an hour ago."""
    agency = personas.agency_a
    with agency_scope(agency.pk):
        coverage_set(
            agency=agency,
            actor=personas.admin_a.user,
            weekdays=range(7),
            opens_at=time(9),
            closes_at=time(17),
            after_hours=[],
            urgent_words=[],
        )
    zone = ZoneInfo(agency.time_zone)
    day = (timezone.now().astimezone(zone) - timedelta(days=2)).date()

    def at(hour: int) -> datetime:
        return datetime.combine(day, time(hour), zone)

    quick = _arrived(personas, at(10))
    slower = _arrived(personas, at(11), account=quick.account_id)
    night = _arrived(personas, at(20), account=quick.account_id)
    waiting = _arrived(personas, at(10), account=quick.account_id)
    fresh = _arrived(personas, timezone.now() - 30 * MINUTE)
    _answered(quick, personas.author_a, 10 * MINUTE)
    _answered(slower, personas.admin_a, 30 * MINUTE)
    _answered(night, personas.author_a, 300 * MINUTE)
    return {"quick": quick, "waiting": waiting, "fresh": fresh}


def test_the_first_answers_wait_per_account_and_member_in_and_out_of_hours(
    personas: Personas, arrivals: dict[str, InboxItem]
) -> None:
    with agency_scope(personas.agency_a.pk):
        figures = response_figures(agency=personas.agency_a, days=7)

    assert figures.unanswered == 2
    (account,) = figures.by_account
    assert account.key == arrivals["quick"].account_id
    assert (account.overall.answered, account.overall.median) == (3, 30 * MINUTE)
    # percentile_cont interpolates: 30 min + 0.8 * (300 - 30) min.
    assert account.overall.p90 == 246 * MINUTE
    assert (account.in_hours.answered, account.in_hours.median) == (2, 20 * MINUTE)
    assert account.in_hours.p90 == 28 * MINUTE
    assert (account.after_hours.answered, account.after_hours.median) == (1, 300 * MINUTE)
    members = {row.key: row.overall for row in figures.by_member}
    assert members[personas.author_a.user_id].median == 155 * MINUTE
    assert members[personas.admin_a.user_id].median == 30 * MINUTE
    waiting = {row.key: row.counts for row in figures.open_by_age}
    assert waiting[arrivals["waiting"].account_id] == (0, 0, 0, 1, 0)
    assert waiting[arrivals["fresh"].account_id] == (1, 0, 0, 0, 0)


def test_a_shorter_period_leaves_older_items_out(
    personas: Personas, arrivals: dict[str, InboxItem]
) -> None:
    with agency_scope(personas.agency_a.pk):
        figures = response_figures(agency=personas.agency_a, days=1)

    assert figures.by_account == [] and figures.unanswered == 1


def test_the_page_and_the_api_show_the_figures(
    personas: Personas, arrivals: dict[str, InboxItem]
) -> None:
    url = reverse("inbox_figures", args=["alpha"])
    page = personas.client_for(personas.author_a).get(url, {"days": "7"}).content.decode()
    wrong = personas.client_for(personas.author_a).get(url, {"days": "12"})
    french = personas.client_for(personas.author_a).get(url, headers={"accept-language": "fr"})
    _key, token = api_key_for(personas.agency_a, Role.AUTHOR)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    answer = api.get("/api/agencies/alpha/inbox/figures/", {"days": 7}).json()
    refused = api.get("/api/agencies/alpha/inbox/figures/", {"days": 12})

    assert "30 min" in page and "4 h 6 min" in page and "5 h" in page
    assert personas.author_a.user.display_name in page
    assert wrong.status_code == 400
    assert "Délais de réponse" in french.content.decode()
    assert ">30 jours</option>" in french.content.decode()
    (account,) = answer["by_account"]
    assert account["overall"] == {"answered": 3, "median_seconds": 1800.0, "p90_seconds": 14760.0}
    assert answer["unanswered"] == 2
    assert refused.status_code == 400 and refused.json()["errors"][0]["pointer"] == "/days"


def test_waits_are_written_in_the_readers_language() -> None:
    span = timedelta(days=2, hours=3, minutes=5)
    assert [wait(span), wait(timedelta(seconds=20)), wait(None)] == [
        "2 d 3 h",
        "under a minute",
        "—",
    ]
    with translation.override("fr"):
        assert [wait(span), wait(timedelta(seconds=20))] == ["2 j 3 h", "moins d\u2019une minute"]


def test_another_agencys_items_are_not_counted(
    personas: Personas, arrivals: dict[str, InboxItem]
) -> None:
    with agency_scope(personas.agency_b.pk):
        figures = response_figures(agency=personas.agency_b, days=90)

    assert (figures.by_account, figures.by_member, figures.open_by_age) == ([], [], [])
    assert figures.unanswered == 0
