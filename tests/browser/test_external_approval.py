"""The page a link opens for an approver outside govsocial, signed in nowhere: the post
as each network would show it, and the decision form with its error, by keyboard,
pass axe's checks."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import Browser, expect

from tests.browser.conftest import assert_accessible
from tests.factories import AgencyFactory, external_link_for


def _commit_link(token: str) -> str:
    try:
        agency = AgencyFactory(slug=f"outside-{uuid.uuid4().hex[:8]}")
        external_link_for(agency, token=token)
        return str(agency.slug)
    finally:
        connection.close()


def test_the_link_shows_the_post_and_refuses_changes_without_a_comment(
    web_server: str, browser: Browser, django_db_blocker: pytest.FixtureRequest
) -> None:
    token = uuid.uuid4().hex
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        slug = thread.submit(_commit_link, token).result()
    page = browser.new_context().new_page()
    page.goto(f"{web_server}/agencies/{slug}/approvals/external/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("A post waits for your approval")
    assert_accessible(page)
    page.get_by_label("Request changes").press("Space")
    page.get_by_role("button", name="Send decision").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Say what should change, or why.")
    assert_accessible(page)
    page.context.close()
