"""A records officer's reading of the archive in the browser: the Records section lists
what the agency did (here, the admin's own sign-in), searches it, and opens a record
with its proof, on pages that pass axe's checks."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Member, assert_accessible, sign_in


def test_an_admin_searches_the_records_and_opens_one(
    web_server: str, browser: Browser, committed_admin: Member
) -> None:
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Records", exact=True).click()
    expect(page.get_by_role("heading", name="Records", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Action").fill("user.signed_in")
    page.get_by_role("button", name="Search", exact=True).click()
    found = page.get_by_role("table", name="Records found, newest first")
    expect(found).to_be_visible()
    assert_accessible(page)

    found.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Proof")).to_be_visible()
    expect(page.get_by_role("heading", name="What it recorded")).to_be_visible()
    assert_accessible(page)
    page.close()
