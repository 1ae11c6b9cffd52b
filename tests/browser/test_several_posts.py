"""Several posts at once in a browser: an admin finds the week's pool posts by a word in
the calendar's list, ticks them all with one button, moves them to another day, then
on the posts page ticks two drafts by keyboard and deletes them after confirming.
Each page is checked with axe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import Agency
from govsocial.tenancy import agency_scope
from publishing.models import Post
from tests.browser.conftest import Member, assert_accessible, sign_in
from tests.factories import post_for, scheduled_post_for, social_account_for

TORONTO = ZoneInfo("America/Toronto")


def a_monday_next_june() -> date:
    day = date(timezone.now().year + 1, 6, 10)
    return day - timedelta(days=day.weekday())


def test_an_admin_finds_ticks_and_moves_posts_then_deletes_drafts(
    web_server: str, browser: Browser, committed_admin: Member, in_agency: Callable[..., Any]
) -> None:
    monday = a_monday_next_june()

    def posts(agency: Agency) -> dict[str, int]:
        with agency_scope(agency.pk):
            x = social_account_for(agency, handle="several_city")
            made = {}
            for hour, text in ((9, "Pools open early."), (15, "Pools close late."), (11, "Roads")):
                at = datetime.combine(monday, time(hour), tzinfo=TORONTO)
                made[text] = scheduled_post_for(agency, [x], at=at, text=text).pk
            for text in ("First stale draft", "Second stale draft", "Keep this draft"):
                made[text] = post_for(agency, text=text).pk
            return made

    made = in_agency(committed_admin, posts)
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    slug = committed_admin.agency_slug
    page.goto(f"{web_server}/agencies/{slug}/calendar/?view=list&date={monday.isoformat()}")
    page.get_by_text("Filter the calendar").click()
    page.get_by_label("Text contains").fill("pools")
    page.get_by_role("button", name="Show posts").click()
    expect(page.get_by_role("link", name="Pools open early.", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Roads", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Tick every post shown").click()
    expect(page.get_by_text("Ticked: 2.")).to_be_visible()
    assert page.get_by_role("checkbox", name="Tick “Pools close late.”").is_checked()
    assert_accessible(page)
    page.get_by_label("With the ticked posts").select_option("move")
    thursday = monday + timedelta(days=3)
    page.get_by_label("Move to").fill(thursday.isoformat())
    page.get_by_role("button", name="Apply to the ticked posts").click()
    expect(page.get_by_text("2 posts moved to")).to_be_visible()
    # Back on the list it came from, still filtered: both on Thursday at their hours.
    expect(page.get_by_label("Text contains")).to_have_value("pools")

    def times(agency: Agency) -> dict[int, datetime | None]:
        with agency_scope(agency.pk):
            return dict(Post.objects.values_list("pk", "scheduled_at"))

    stored = in_agency(committed_admin, times)
    for text, hour in (("Pools open early.", 9), ("Pools close late.", 15)):
        assert stored[made[text]] == datetime.combine(thursday, time(hour), tzinfo=TORONTO)

    page.goto(f"{web_server}/agencies/{slug}/posts/?text=stale")
    for text in ("First stale draft", "Second stale draft"):
        page.get_by_role("checkbox", name=f"Tick “{text}”").focus()
        page.keyboard.press("Space")
    page.get_by_label("With the ticked posts").select_option("delete")
    # The date and time to move to show only when moving.
    expect(page.get_by_label("Move to")).to_be_hidden()
    page.get_by_role("button", name="Apply to the ticked posts").click()
    expect(page.get_by_role("heading", name="Delete the 2 ticked drafts?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Delete the ticked drafts").click()
    expect(page.get_by_text("2 drafts deleted.")).to_be_visible()
    remaining = in_agency(committed_admin, times)
    assert made["First stale draft"] not in remaining
    assert made["Second stale draft"] not in remaining
    assert made["Keep this draft"] in remaining
    page.close()
