"""A records officer's reading of the archive in the browser: the Records section lists
what the agency did (here, the admin's own sign-in), searches it (counted once its
records show), opens a record with its proof, opens a records request and saves a
search on it, on pages that pass axe's checks."""

from __future__ import annotations

import re

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
    # Counted once the page shows what it found.
    counted = page.get_by_role("status").filter(has_text=re.compile(r"\d+ records? found"))
    expect(counted).to_be_visible()
    assert_accessible(page)

    found.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Proof")).to_be_visible()
    expect(page.get_by_role("heading", name="What it recorded")).to_be_visible()
    assert_accessible(page)

    # A request as a case, with the search saved on it.
    page.get_by_role("link", name="Back to the records").click()
    page.get_by_role("link", name="Records requests").click()
    page.get_by_label("Requester", exact=True).fill("Dana Reporter")
    page.get_by_label("What is asked").fill("Who signed in this week")
    page.get_by_label("Received on").fill("2026-03-02")
    page.get_by_role("button", name="Open the request").click()
    expect(page.get_by_text(re.compile(r"Request 2026-\d{4} is opened\."))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Search the records").click()
    page.get_by_label("Action").fill("user.signed_in")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_label("Name of the search").fill("Sign-ins")
    page.get_by_role("button", name="Save the search").click()
    expect(page.get_by_text("The search is saved on the request.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign-ins")).to_be_visible()
    page.get_by_role("link", name="Back to the requests").click()
    expect(page.get_by_text("Overdue")).to_be_visible()
    assert_accessible(page)
    page.close()
