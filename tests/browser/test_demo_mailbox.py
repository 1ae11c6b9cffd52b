"""A newcomer follows the demo's invitation flow through its Mailbox page: an admin
invites them, the invitation arrives over SMTP in the demo's mailbox, and its link takes
them to an account with two-factor authentication in the agency; every page passes
axe's checks."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Member, assert_accessible, sign_in
from tests.factories import PASSWORD, totp_code


def test_a_newcomer_joins_through_the_invitation_in_the_demo_mailbox(
    web_server: str, browser: Browser, committed_admin: Member
) -> None:
    newcomer = f"newcomer-{committed_admin.agency_slug}@example.gov"
    admin = browser.new_page()
    sign_in(admin, web_server, committed_admin)
    admin.get_by_role("link", name="Members").first.click()
    admin.get_by_label("Email address").fill(newcomer)
    # The box is drawn by its label, as USWDS does.
    admin.locator("label", has_text="Author").first.click()
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_role("table", name="Invitations not yet accepted")).to_contain_text(
        newcomer
    )
    admin.close()

    page = browser.new_page()
    page.goto(f"{web_server}/accounts/login/")
    page.get_by_role("link", name="Mailbox of the demo: every email it sent").click()
    messages = page.get_by_role("table", name="Messages sent, newest first")
    invitation = messages.get_by_role("row").filter(has_text=newcomer)
    expect(invitation).to_contain_text(committed_admin.agency_name)
    assert_accessible(page)
    invitation.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(committed_admin.agency_name)
    assert_accessible(page)
    page.locator('a[href*="/join/"]').click()

    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    assert_accessible(page)
    page.get_by_role("button", name="Create my account and join").click()
    expect(page.get_by_text("Your agency requires two-factor authentication.")).to_be_visible()
    page.get_by_role("link", name="Activate").first.click()
    # Adding a factor asks for the password again.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.goto(f"{web_server}/agencies/{committed_admin.agency_slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(committed_admin.agency_name)
