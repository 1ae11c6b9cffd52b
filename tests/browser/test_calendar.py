"""An admin drags a post to another day of the calendar: it keeps its time of day, and
the move is said in the calendar's live region."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Member, assert_accessible, authorise_on_the_network, sign_in
from tests.emulator_client import Emulator


def test_dragging_a_post_to_another_day_moves_it_there_at_the_same_time(
    web_server: str, browser: Browser, committed_admin: Member, emulator: Emulator
) -> None:
    year = timezone.now().year + 1
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Network accounts").click()
    page.get_by_role("button", name="Connect X").click()
    authorise_on_the_network(page, "calendar_city")
    page.get_by_role("link", name="Posts", exact=True).click()
    page.get_by_role("link", name="Write a post").click()
    page.get_by_text("X calendar_city", exact=True).click()
    page.get_by_label("Text", exact=True).fill("Pool opening hours.")
    page.get_by_label("Date").fill(f"{year}-01-12")
    page.get_by_label("Time").fill("09:00")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_text(re.compile(r"Scheduled for "))).to_be_visible()

    page.goto(f"{web_server}/agencies/{committed_admin.agency_slug}/calendar/?date={year}-01-12")
    post = page.locator(".govsocial-calendar__post").filter(has_text="Pool opening hours.")
    post.drag_to(page.locator(f"[data-date='{year}-01-14']"))
    expect(page.locator("#calendar-status")).to_contain_text(re.compile(r"Moved to .*9 a\.m\."))
    expect(page.locator(f"[data-date='{year}-01-14']")).to_contain_text("Pool opening hours.")
    assert_accessible(page)

    page.reload()
    expect(page.locator(f"[data-date='{year}-01-14']")).to_contain_text("Pool opening hours.")
    expect(page.locator(f"[data-date='{year}-01-12']")).not_to_contain_text("Pool opening hours.")
    page.close()
