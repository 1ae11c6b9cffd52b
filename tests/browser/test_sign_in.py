"""Signing in the way a person does: a real browser, the keyboard, an authenticator app."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Member, assert_accessible, sign_in
from tests.factories import PASSWORD, totp_code


def test_a_member_signs_in_with_password_and_authenticator_code(
    web_server: str, browser: Browser, committed_member: Member
) -> None:
    page = browser.new_page()
    page.goto(f"{web_server}/")
    expect(page).to_have_url(f"{web_server}/accounts/login/?next=/")
    assert_accessible(page)
    sign_in(page, web_server, committed_member)
    expect(page.get_by_role("heading", level=1)).to_have_text(committed_member.agency_name)
    assert_accessible(page)
    page.get_by_role("link", name="Members", exact=True).click()
    expect(page.get_by_role("cell", name=committed_member.user.email)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Your settings").click()
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
    assert_accessible(page)
    page.close()


def test_a_wrong_code_keeps_the_door_shut(
    web_server: str, browser: Browser, committed_member: Member
) -> None:
    page = browser.new_page()
    page.goto(f"{web_server}/accounts/login/")
    page.get_by_label("Email").fill(committed_member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_label("Code").fill(f"{(int(totp_code()) + 1) % 1_000_000:06d}")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    assert_accessible(page)
    agency_page = f"{web_server}/agencies/{committed_member.agency_slug}/"
    page.goto(agency_page)
    expect(page).not_to_have_url(agency_page)
    expect(page.get_by_role("heading", name=committed_member.agency_name)).to_have_count(0)
    page.close()
