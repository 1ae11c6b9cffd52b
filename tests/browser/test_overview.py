"""An admin signs in to the overview and finds what needs them — a failed delivery, an
account to connect again, an urgent message, a records deadline — beside what goes out
this week and what went out last; the page passes axe's checks on a laptop and a phone,
and is pictured at both sizes for the README."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import Agency
from govsocial.tenancy import agency_scope
from inbox.models import Priority
from publishing.models import AccountHealth, PostStatus, TargetState
from tests.browser.conftest import Member, at_both_sizes, sign_in
from tests.factories import (
    inbox_item_for,
    post_target_for,
    records_request_for,
    scheduled_post_for,
    social_account_for,
)


def a_busy_week(agency: Agency) -> None:
    """Give the agency a week with something in each part of the overview."""
    now = timezone.now()
    with agency_scope(agency.pk):
        city = social_account_for(agency, handle="riverton_city")
        parks = social_account_for(
            agency,
            network="mastodon",
            handle="parks@social.example",
            health=AccountHealth.NEEDS_REAUTHORISATION,
            health_reason="The network refused the token.",
        )
        scheduled_post_for(
            agency, [city], at=now + timedelta(hours=3), text="The library opens late tonight"
        )
        scheduled_post_for(
            agency, [city, parks], at=now + timedelta(days=2), text="Leaf collection starts"
        )
        failed = scheduled_post_for(
            agency, [parks], at=now - timedelta(hours=1), text="Splash pads close for the season"
        )
        failed.targets.update(state=TargetState.FAILED, failure_reason="The token was revoked.")
        failed.status = PostStatus.FAILED
        failed.save(update_fields=["status"])
        post_target_for(
            agency,
            account=city,
            state=TargetState.PUBLISHED,
            published_at=now - timedelta(hours=5),
            permalink="https://x.example/riverton_city/status/1",
        )
        urgent = inbox_item_for(agency, "Help, a tree fell on the road at Elm and 4th")
        urgent.priority = Priority.URGENT
        urgent.save(update_fields=["priority"])
        request = records_request_for(agency)
        request.due_on = timezone.localdate() + timedelta(days=3)
        request.save(update_fields=["due_on"])


def test_the_overview_shows_an_admin_what_needs_them_and_the_week_ahead(
    web_server: str,
    browser: Browser,
    committed_admin: Member,
    in_agency: Callable[..., Any],
    screenshots: Path,
) -> None:
    in_agency(committed_admin, a_busy_week)
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)

    needs = page.get_by_role("heading", name="What needs you now")
    expect(needs).to_contain_text("4")  # the item, the delivery, the account, the request
    urgent = page.get_by_role("region", name="Inbox items for you")
    expect(urgent).to_contain_text("Help, a tree fell on the road")
    failed = page.get_by_role("region", name="Deliveries that failed or are not confirmed")
    expect(failed).to_contain_text("The token was revoked.")
    accounts = page.get_by_role("region", name="Accounts that cannot publish now")
    expect(accounts).to_contain_text("parks@social.example")
    expect(page.get_by_role("region", name="Records requests near their deadline")).to_be_visible()
    week = page.get_by_role("region", name="Going out this week")
    expect(week.get_by_role("heading", name="Today")).to_be_visible()
    expect(week).to_contain_text("Leaf collection starts")
    published = page.get_by_role("region", name="Last published")
    expect(published.get_by_role("link", name="See it on the network")).to_have_attribute(
        "href", "https://x.example/riverton_city/status/1"
    )
    at_both_sizes(page, screenshots, "overview")

    # By keyboard: the admin reaches the account to connect again.
    accounts.get_by_role("link", name="Connect it again").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Network accounts")
    page.close()
