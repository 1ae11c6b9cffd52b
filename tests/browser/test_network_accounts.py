"""An admin connects emulated network accounts in the browser and sees their health."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import Member, assert_accessible, authorise_on_the_network, sign_in
from tests.emulator_client import Emulator


def _row(page: Page, network: str, handle: str) -> Locator:
    return page.get_by_role("row").filter(has_text=handle).filter(has_text=network)


def test_an_admin_connects_x_and_facebook_and_sees_a_dead_token_turn_up(
    web_server: str, browser: Browser, committed_admin: Member, emulator: Emulator
) -> None:
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Network accounts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network accounts")

    page.get_by_role("button", name="Connect X").click()
    expect(page).to_have_url(re.compile(re.escape(emulator.base_url)))
    authorise_on_the_network(page, "browser_city")
    expect(page.get_by_text("X browser_city is connected.")).to_be_visible()
    x_row = _row(page, "X", "browser_city")
    expect(x_row.get_by_text("Healthy", exact=True)).to_be_visible()

    page.get_by_role("button", name="Connect Facebook and Instagram").click()
    authorise_on_the_network(page, "browser_city")
    expect(page.get_by_text("Facebook browser_city is connected.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Instagram")).to_have_count(1)
    expect(page.get_by_text("Healthy", exact=True)).to_have_count(3)

    emulator.expire("x", "browser_city", refresh=True)
    x_row.get_by_role("button", name="Check now").click()
    expect(_row(page, "X", "browser_city").get_by_text("Needs re-authorisation")).to_be_visible()
    assert_accessible(page)
    page.close()
