"""A records officer holds what a request's saved search finds, sees the hold among the
agency's, and lifts it, each with its reason; every page passes axe's checks."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, expect

from tests.browser.conftest import (
    Member,
    assert_accessible,
    records_request_with_search,
    sign_in,
)


def test_a_records_officer_places_and_lifts_a_legal_hold(
    web_server: str, browser: Browser, commit_records_officer: Callable[[], Member]
) -> None:
    officer = commit_records_officer()
    page = browser.new_page()
    sign_in(page, web_server, officer)
    page.get_by_role("link", name="Records", exact=True).click()
    records_request_with_search(
        page,
        requester="Lee Counsel",
        asked="Every sign-in of March, for the Jones case",
        search={"Action": "user.signed_in"},
        name="Sign-ins",
    )

    page.get_by_role("button", name="Place a legal hold").click()
    expect(page.get_by_text("Say why the records are held").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Hold what this search finds").select_option(label="Sign-ins")
    page.get_by_label("Why (the matter, the order or the litigation)").fill("Jones v. City")
    page.get_by_role("button", name="Place a legal hold").click()
    expect(page.get_by_text("What the search finds is held")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Every hold of the agency").click()
    holds = page.get_by_role("table", name="Legal holds, standing ones first")
    expect(holds).to_contain_text("Jones v. City")
    assert_accessible(page)
    holds.get_by_label("Why it is lifted").fill("Case dismissed")
    holds.get_by_role("button", name="Lift the hold").click()
    expect(page.get_by_text("The hold is lifted.")).to_be_visible()
    expect(holds).to_contain_text("Case dismissed")
    expect(holds.get_by_role("button", name="Lift the hold")).to_have_count(0)
    assert_accessible(page)
    page.close()
