"""The agency overview, per person: what waits for each member by role (approvals,
inbox items, deliveries and accounts in trouble, records deadlines), what goes out this
week and what went out last; the page asks again and gets nothing back until something
changed, and says so to screen readers when the count of what waits changes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from unittest.mock import patch

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from approvals.decisions import post_submit
from govsocial.tenancy import agency_scope
from inbox.models import Priority
from inbox.services import item_assign
from publishing.models import AccountHealth, TargetState
from tests.approvals.test_emergency import water_advisory
from tests.conftest import Personas
from tests.factories import (
    MembershipFactory,
    inbox_item_for,
    post_target_for,
    records_request_for,
    scheduled_post_for,
    social_account_for,
)

OVERVIEW = reverse("agency_home", args=["alpha"])


def overview_of(personas: Personas, member: Membership) -> str:
    response = personas.client_for(member).get(OVERVIEW)
    assert response.status_code == 200
    return response.content.decode()


def waiting(page: str) -> int:
    """Return the count the page gives beside "What needs you now" (0: none)."""
    found = re.search(r"What needs you now <span[^>]*>(\d+)</span>", page)
    return int(found.group(1)) if found else 0


def test_each_member_sees_what_waits_for_them_by_role(personas: Personas) -> None:
    agency = personas.agency_a
    post, approver = water_advisory(personas)
    records = MembershipFactory(agency=agency, roles=[Role.RECORDS_OFFICER])
    with agency_scope(agency.pk):
        post_submit(post=post, actor=personas.author_a.user)
        assigned = inbox_item_for(agency, "Is the beach open on Sunday?")
        item_assign(item=assigned, assignee=personas.author_a.user, actor=personas.admin_a.user)
        urgent = inbox_item_for(agency, "Help, the water in my street is brown")
        urgent.priority = Priority.URGENT
        urgent.save(update_fields=["priority"])
        broken = social_account_for(
            agency, handle="alpha_parks", health=AccountHealth.NEEDS_REAUTHORISATION
        )
        failed = scheduled_post_for(agency, [broken], text="Parks reopen on Monday")
        failed.targets.update(state=TargetState.FAILED, failure_reason="The token was revoked")
        request = records_request_for(agency)
        request.due_on = timezone.localdate() + timedelta(days=2)
        request.save(update_fields=["due_on"])

    as_approver = overview_of(personas, approver)
    assert "Posts waiting for your approval" in as_approver
    assert "Boil your water before drinking it" in as_approver
    assert "Help, the water in my street is brown" in as_approver  # urgent: for everyone
    assert "Is the beach open on Sunday?" not in as_approver  # assigned to someone else
    assert "Deliveries that failed" not in as_approver and "Records requests" not in as_approver
    assert waiting(as_approver) == 2

    as_author = overview_of(personas, personas.author_a)
    assert "Posts waiting for your approval" not in as_author
    assert "Is the beach open on Sunday?" in as_author and "assigned to you" in as_author
    assert "Parks reopen on Monday" in as_author and "The token was revoked" in as_author
    assert "Accounts that cannot publish now" in as_author and "alpha_parks" in as_author
    assert "an admin connects it again" in as_author
    assert waiting(as_author) == 4  # two items, a delivery, an account

    as_admin = overview_of(personas, personas.admin_a)
    assert "Connect it again" in as_admin and request.number in as_admin

    as_records = overview_of(personas, records)
    assert "Records requests near their deadline" in as_records and request.number in as_records
    assert "Inbox items for you" not in as_records and "Deliveries that failed" not in as_records
    assert waiting(as_records) == 1

    # Another agency's members see none of it.
    as_other = personas.client_for(personas.admin_b).get(reverse("agency_home", args=["beta"]))
    other = as_other.content.decode()
    assert waiting(other) == 0 and "Boil your water" not in other and "alpha_parks" not in other
    assert "Nothing waits for you" in other


def test_the_week_ahead_and_the_last_published_posts(personas: Personas) -> None:
    agency = personas.agency_a
    with agency_scope(agency.pk):
        account = social_account_for(agency, handle="alpha_city")
        tomorrow = timezone.now() + timedelta(days=1)
        scheduled_post_for(agency, [account], at=tomorrow, text="Leaf collection starts")
        scheduled_post_for(agency, [account], at=timezone.now() + timedelta(days=9), text="Far off")
        post_target_for(
            agency,
            account=account,
            state=TargetState.PUBLISHED,
            published_at=timezone.now() - timedelta(hours=3),
            permalink="https://social.example/@alpha_city/1",
        )

    page = overview_of(personas, personas.author_a)
    assert "Going out this week" in page and "Leaf collection starts" in page
    assert "Far off" not in page
    assert "Last published" in page and 'href="https://social.example/@alpha_city/1"' in page
    assert waiting(page) == 0


# The day the page shows is fixed: a poll just after midnight rightly answers a new week.
@patch("publishing.overview.timezone.localdate", return_value=date(2026, 12, 3))
def test_the_page_gets_nothing_back_until_something_changed(
    _today: object, personas: Personas
) -> None:
    agency = personas.agency_a
    post, approver = water_advisory(personas)
    client: Client = personas.client_for(approver)
    first = client.get(OVERVIEW).content.decode()
    polled = re.search(r'hx-get="([^"]+)"', first)
    assert polled is not None
    again = polled.group(1).replace("&amp;", "&")
    assert "told=0" in again
    assert client.get(again).status_code == 204

    with agency_scope(agency.pk):
        post_submit(post=post, actor=personas.author_a.user)
    changed = client.get(again)
    assert changed.status_code == 200
    told = re.search(r'<p id="overview-status"[^>]*>([^<]*)</p>', changed.content.decode())
    assert told is not None and told.group(1) == "1 thing waits for you now."
    # A first visit announces nothing.
    fresh = re.search(r'<p id="overview-status"[^>]*>([^<]*)</p>', first)
    assert fresh is not None and fresh.group(1) == ""
