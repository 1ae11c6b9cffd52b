"""An admin makes an approval chain of two steps in the browser, by keyboard (the design
system hides the native boxes and buttons behind their labels): the chains page, the
form and its error summary, who may publish in an emergency, and the content rules with
a blackout period refused, pass axe's checks."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Member, assert_accessible, sign_in


def test_an_admin_makes_a_two_step_chain_and_fixes_a_step_without_approvers(
    web_server: str, browser: Browser, committed_admin: Member
) -> None:
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your approval")
    expect(page.get_by_text("Nothing waits for your approval.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Approval chains").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approval chains")
    expect(page.get_by_text("The agency has no approval chain yet")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="New chain").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New approval chain")
    assert_accessible(page)
    first = page.get_by_role("group", name="Step 1")
    first.get_by_label("Any one of them").press("Space")
    first.get_by_label("Approver", exact=True).press("Space")
    second = page.get_by_role("group", name="Step 2")
    second.get_by_label("All of them").press("Space")
    page.get_by_label("Name", exact=True).fill("Communications")
    page.keyboard.press("Enter")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("There is a problem")
    expect(alert.get_by_role("link")).to_have_text(
        "Step 2 has no approvers: name members or choose a role."
    )
    assert_accessible(page)
    alert.get_by_role("link").click()
    expect(second.get_by_label("Any one of them")).to_be_focused()
    second.get_by_label(committed_admin.user.display_name).press("Space")
    page.get_by_role("button", name="Save the chain").click()

    expect(page.get_by_text("Approval chain “Communications” saved.")).to_be_visible()
    steps = page.get_by_role("region", name="Communications").locator("ol > li")
    expect(steps).to_have_text(
        [
            "Any one of: members with the role Approver",
            f"All of: {committed_admin.user.display_name}",
        ]
    )
    assert_accessible(page)

    page.get_by_role("link", name="Edit Communications").click()
    expect(page.get_by_role("group", name="Step 2")).to_contain_text("Remove this step")
    assert_accessible(page)

    page.go_back()
    page.get_by_role("link", name="Who may publish in an emergency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who may publish in an emergency")
    expect(page.get_by_text("The agency has no member besides its admins.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Who may publish in an emergency is saved.")).to_be_visible()

    page.get_by_role("link", name="Approval chains").first.click()
    page.get_by_role("link", name="Content rules").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Content rules")
    assert_accessible(page)
    page.get_by_label("Terms that block a post").fill("jerk")
    page.get_by_role("button", name="Save the content rules").click()
    expect(page.get_by_text("The content rules are saved.")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Election period")
    page.get_by_label("First day").fill("2031-05-10")
    page.get_by_label("Last day").fill("2031-05-01")
    page.get_by_role("button", name="Add the period").click()
    expect(page.get_by_role("alert")).to_contain_text("The period must end after it starts.")
    assert_accessible(page)
    page.close()
