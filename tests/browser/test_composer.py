"""An admin writes a post in the browser: the counts follow the typing by X's own rules,
the draft saves itself, an account's own text can be given back to the base text, and
the post is scheduled in the agency's time zone."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Member, assert_accessible, authorise_on_the_network, sign_in
from tests.emulator_client import Emulator


def test_an_admin_writes_checks_and_schedules_a_post(
    web_server: str, browser: Browser, committed_admin: Member, emulator: Emulator
) -> None:
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Network accounts").click()
    page.get_by_role("button", name="Connect X").click()
    authorise_on_the_network(page, "composer_city")
    expect(page.get_by_text("X composer_city is connected.")).to_be_visible()

    page.get_by_role("link", name="Posts", exact=True).click()
    page.get_by_role("link", name="Write a post").click()
    # USWDS draws its own boxes: people tick them by their labels.
    page.get_by_text("X composer_city", exact=True).click()
    page.get_by_label("Text", exact=True).fill("Road closures this weekend.")
    counts = page.locator("#composer-counts")
    expect(counts).to_contain_text("X composer_city: 27 of 280 characters")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at", timeout=10_000)

    # 150 CJK characters weigh 300 on X.
    page.get_by_label("Text", exact=True).fill("道" * 150)
    expect(counts).to_contain_text("300 of 280 characters — 20 too many")
    expect(page.locator("#composer-previews")).to_contain_text("This text counts 300")
    assert_accessible(page)

    own_text = page.get_by_role("textbox", name="Text for X composer_city")
    own_text.fill("Closures this weekend: see the map.")
    expect(page.get_by_label("Write different text for X composer_city")).to_be_checked()
    expect(counts).to_contain_text("X composer_city: 35 of 280 characters")
    page.get_by_role("button", name=re.compile("Use the base text again")).click()
    expect(page.get_by_label("Write different text for X composer_city")).not_to_be_checked()
    expect(own_text).to_have_value("道" * 150)
    expect(counts).to_contain_text("300 of 280 characters")

    own_text.fill("Closures this weekend.")
    page.get_by_label("Date").fill(f"{timezone.now().year + 1}-01-12")
    page.get_by_label("Time").fill("09:00")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(
        page.get_by_text(re.compile(r"Scheduled for .* 9 a\.m\. \(America/Toronto\)\."))
    ).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="composer_city")).to_contain_text("Scheduled")
    assert_accessible(page)
    page.close()
