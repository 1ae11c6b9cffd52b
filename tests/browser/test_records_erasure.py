"""A records officer answers a person's request to erase what they wrote: the request's
page shows what its search finds by series, then erases it and says what it did; every
page passes axe's checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Browser, expect

from accounts.models import Agency
from tests.archive.conftest import all_placed
from tests.browser.conftest import (
    Member,
    assert_accessible,
    records_request_with_search,
    sign_in,
)
from tests.factories import inbox_item_for


def _comment_received(agency: Agency) -> None:
    """Receive a comment of amara_okafor's in the agency's inbox, placed in its log."""
    inbox_item_for(agency, "I am Amara, call me at 555-0199")
    all_placed(agency)


def test_a_records_officer_erases_what_a_person_wrote(
    web_server: str,
    browser: Browser,
    commit_records_officer: Callable[[], Member],
    in_agency: Callable[..., Any],
) -> None:
    officer = commit_records_officer()
    in_agency(officer, _comment_received)
    page = browser.new_page()
    sign_in(page, web_server, officer)
    page.get_by_role("link", name="Records", exact=True).click()
    records_request_with_search(
        page,
        kind="Erasure of personal data (GDPR Art. 17): one month",
        requester="Amara Okafor",
        asked="Erase every comment I wrote to the city",
        search={"Person": "amara_okafor"},
        name="Amara",
    )

    erasure = page.get_by_role("table", name="Erasure by series")
    expect(erasure).to_contain_text("Citizens' messages that needed no action")
    assert_accessible(page)
    page.get_by_role("button", name="Erase what the law does not keep").press("Enter")
    expect(page.get_by_text("The erasure is carried out: 1 records erased")).to_be_visible()
    expect(erasure.get_by_role("columnheader", name="Erased")).to_be_visible()
    expect(page.get_by_role("button", name="Erase what the law does not keep")).to_have_count(0)
    assert_accessible(page)
    page.close()
