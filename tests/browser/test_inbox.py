"""A citizen's mention reaches the inbox; an admin opens it from the list, reads it in
its conversation, answers it with a saved reply (sent once to the network, shown in the
conversation), closes it, adds a clause to the comment policy and blocks the citizen
under it, adds a routing rule, sets the inbox's hours and reads the response times; and
an admin approves an author's reply before it goes out; on pages that pass axe's
checks."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Browser, expect

from accounts.models import Agency, Role
from approvals.models import StepRule
from approvals.services import StepSpec, chain_save
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem
from inbox.replies import replies_due, reply_create, reply_send
from inbox.services import account_poll
from publishing.models import SocialAccount
from tests.browser.conftest import (
    Member,
    assert_accessible,
    at_both_sizes,
    authorise_on_the_network,
    sign_in,
)
from tests.emulator_client import Emulator
from tests.factories import MembershipFactory, coverage_for, emulated_account_for


def _poll(agency_slug: str) -> int:
    """Poll the agency's account now, as the scheduler's tick would."""
    try:
        agency = Agency.objects.get(slug=agency_slug)
        with agency_scope(agency.pk):
            return account_poll(account=SocialAccount.objects.get())
    finally:
        connection.close()


def _send_due_replies(agency_slug: str) -> list[str]:
    """Send the agency's due replies now, as a worker would; return their states."""
    try:
        agency = Agency.objects.get(slug=agency_slug)
        with agency_scope(agency.pk):
            due = replies_due(account=SocialAccount.objects.get())
            return [str(getattr(reply_send(reply_id=pk), "state", "")) for pk in due]
    finally:
        connection.close()


def test_an_admin_works_a_citizens_reply_from_arrival_to_closed(
    web_server: str,
    browser: Browser,
    committed_admin: Member,
    networks: Emulator,
    django_db_blocker: pytest.FixtureRequest,
    screenshots: Path,
) -> None:
    networks.configure(citizens=False)
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Network accounts").click()
    page.get_by_role("button", name="Connect Mastodon").click()
    authorise_on_the_network(page, "inbox_city")
    expect(page.get_by_text("Mastodon inbox_city is connected.")).to_be_visible()
    networks.inbound(
        network="mastodon",
        account="inbox_city",
        kind="mention",
        text="@inbox_city is the library open on Sunday?",
    )
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        assert thread.submit(_poll, committed_admin.agency_slug).result() == 1

    page.get_by_role("link", name="Inbox", exact=True).click()
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    at_both_sizes(page, screenshots, "inbox")
    page.get_by_role("link", name="@inbox_city is the library open on Sunday?").click()
    expect(page.get_by_role("heading", name="Conversation")).to_be_visible()
    at_both_sizes(page, screenshots, "inbox-conversation")
    item_url = page.url

    # The admin keeps a reply ready, then answers with it.
    page.get_by_role("link", name="Back to the inbox").click()
    page.get_by_role("link", name="Saved replies").click()
    page.get_by_label("Title", exact=True).fill("Library hours")
    page.get_by_label("In English").fill("Hello {handle}, the library opens at noon on Sundays.")
    page.get_by_role("button", name="Save the reply").click()
    expect(page.get_by_text("The reply is saved.")).to_be_visible()
    assert_accessible(page)
    page.goto(item_url)
    page.get_by_label("Saved reply", exact=True).select_option(label="Library hours")
    page.get_by_role("button", name="Start from it").click()
    expect(page.get_by_label("Your reply")).to_have_value(
        re.compile(r"^Hello @\S+, the library opens at noon on Sundays\.$")
    )
    page.get_by_role("button", name="Send as inbox_city").click()
    expect(page.get_by_text("Your reply is on its way.")).to_be_visible()
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        assert thread.submit(_send_due_replies, committed_admin.agency_slug).result() == ["sent"]
    page.reload()
    expect(page.locator(".govsocial-conversation__ours")).to_contain_text("Sent")
    sent = [
        post
        for post in networks.posts(network="mastodon", account="inbox_city", origin="account")
        if "the library opens at noon" in str(post["text"])
    ]
    assert len(sent) == 1

    page.get_by_label("Status").select_option(label="Closed")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_text("The item's status is changed.")).to_be_visible()
    expect(page.locator(".govsocial-status--closed")).to_have_text("Closed")

    # The admin keeps the comment policy that moderation names.
    page.get_by_role("link", name="The comment policy").click()
    page.get_by_label("Number").fill("3.2")
    page.get_by_label("Title").fill("Personal attacks")
    page.get_by_role("button", name="Add the clause").click()
    expect(page.get_by_role("rowheader", name="3.2")).to_be_visible()
    assert_accessible(page)

    # Under it, the admin blocks the citizen: Mastodon lets an account block, not hide.
    page.goto(item_url)
    expect(page.get_by_label("Hide it on the network")).to_have_count(0)
    page.get_by_text("Block its author on the network", exact=True).click()
    page.get_by_label("Clause of the comment policy").select_option(index=1)
    page.get_by_role("button", name="Do it on the network").click()
    expect(page.get_by_text("Its author is blocked on the network.")).to_be_visible()
    expect(page.get_by_text("Blocked by the account")).to_be_visible()
    assert_accessible(page)
    assert len(networks.blocked("mastodon", "inbox_city")) == 1

    # The admin routes questions about the library, and sets the inbox's hours.
    page.get_by_role("link", name="Back to the inbox").click()
    page.get_by_role("link", name="Routing rules").click()
    page.get_by_label("Name", exact=True).fill("Library")
    page.get_by_label("When it says one of these words").fill("library, bibliothèque")
    page.get_by_label("Tag it").fill("library")
    page.get_by_label("Priority at least").select_option(label="High")
    page.get_by_role("button", name="Add the rule").click()
    expect(page.get_by_role("rowheader", name="Library")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Hours, urgent words and approval").click()
    page.get_by_text("Saturday", exact=True).click()
    page.get_by_label("Opens at").fill("08:00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("The inbox's coverage is saved.")).to_be_visible()
    expect(
        page.get_by_text("Monday, Tuesday, Wednesday, Thursday, Friday, Saturday")
    ).to_be_visible()
    assert_accessible(page)

    # The reply counts in the response times.
    page.get_by_role("link", name="Back to the inbox").click()
    page.get_by_role("link", name="Response times").click()
    expect(page.get_by_role("heading", name="First answer, by account")).to_be_visible()
    answered = page.get_by_role("table", name="First answer, by account")
    expect(answered.get_by_role("rowheader", name=re.compile("inbox_city"))).to_be_visible()
    assert_accessible(page)
    page.close()


def _reply_waiting_for(member: Member, networks: Emulator) -> None:
    """In ``member``'s agency, make replies pass a chain its admins decide, and have an
    author answer a citizen's mention there."""
    try:
        agency = Agency.objects.get(slug=member.agency_slug)
        author = MembershipFactory(agency=agency, roles=[Role.AUTHOR]).user
        account = emulated_account_for(agency, networks, "mastodon", "approved_city")
        networks.inbound(
            network="mastodon",
            account="approved_city",
            kind="mention",
            text="@approved_city when does the pool reopen?",
        )
        with agency_scope(agency.pk):
            chain_save(
                agency=agency,
                actor=member.user,
                name="Admins",
                steps=[StepSpec(StepRule.ANY, roles=[Role.ADMIN])],
                account_ids=[account.pk],
            )
        coverage_for(agency, replies_need_approval=True)
        with agency_scope(agency.pk):
            assert account_poll(account=account) == 1
            reply_create(
                item=InboxItem.objects.get(), text="It reopens on Monday at 9.", actor=author
            )
    finally:
        connection.close()


def test_an_admin_approves_a_reply_before_it_goes_out(
    web_server: str,
    browser: Browser,
    committed_admin: Member,
    networks: Emulator,
    django_db_blocker: pytest.FixtureRequest,
    screenshots: Path,
) -> None:
    networks.configure(citizens=False)
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        thread.submit(_reply_waiting_for, committed_admin, networks).result()
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Inbox", exact=True).click()
    waiting = page.get_by_role("region", name="1 reply waits for your approval")
    expect(waiting).to_be_visible()
    assert_accessible(page)
    waiting.get_by_role("link").click()
    expect(page.get_by_text("Step 1 of 1 of the chain “Admins”")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("Approve", exact=True).click()
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Your decision is recorded.")).to_be_visible()
    expect(page.locator(".govsocial-conversation__ours")).to_contain_text("Waiting to be sent")
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        assert thread.submit(_send_due_replies, committed_admin.agency_slug).result() == ["sent"]
    page.reload()
    expect(page.locator(".govsocial-conversation__ours")).to_contain_text("Sent")
    page.close()
