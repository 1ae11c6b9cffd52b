"""The publishing demo: an agency admin connects emulated X, Facebook (with its
Instagram) and Mastodon accounts on the networks' own authorisation pages, writes one
post for X, Facebook and Mastodon and publishes it now, while the real dispatcher and a
real Celery worker run; the post's page, following the delivery by itself, then shows
each account published with its link, and each link opens the post on the network."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Member, assert_accessible, authorise_on_the_network, sign_in
from tests.delivery_processes import Delivery
from tests.emulator_client import Emulator

HANDLE = "demo_city"
TEXT = "Main Street is closed this weekend for the spring fair."
# The button that connects each network, and the name its account goes by.
CONNECT = {"X": "X", "Facebook and Instagram": "Facebook", "Mastodon": "Mastodon"}
# Seconds, the worker's start included: it starts as the admin signs in.
PUBLISHING_TIMEOUT = 60


def test_an_admin_publishes_a_post_to_x_facebook_and_mastodon_and_follows_each_link(
    web_server: str,
    browser: Browser,
    committed_admin: Member,
    emulator: Emulator,
    delivery: Delivery,
) -> None:
    # Delivery runs as it does in production: a dispatcher and a worker of their own.
    delivery.worker(wait=False)
    delivery.dispatcher()
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)

    page.get_by_role("link", name="Network accounts").press("Enter")
    for button, network in CONNECT.items():
        page.get_by_role("button", name=f"Connect {button}").press("Enter")
        expect(page).to_have_url(re.compile(re.escape(emulator.base_url)))
        authorise_on_the_network(page, HANDLE)
        expect(page.get_by_text(f"{network} {HANDLE} is connected.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Instagram")).to_have_count(1)
    expect(page.get_by_text("Healthy", exact=True)).to_have_count(4)
    assert_accessible(page)

    page.get_by_role("link", name="Posts", exact=True).press("Enter")
    page.get_by_role("link", name="Write a post").press("Enter")
    page.get_by_label("Text", exact=True).fill(TEXT)
    for network in CONNECT.values():
        page.get_by_label(f"{network} {HANDLE}", exact=True).press("Space")
    assert_accessible(page)
    page.get_by_role("button", name="Publish now").press("Enter")
    expect(page.get_by_text("Publishing now")).to_be_visible()

    # The post's page follows the delivery by itself: no reload.
    states = page.get_by_role("row").filter(has_text=HANDLE).locator(".govsocial-state")
    expect(states).to_have_text(["Published"] * len(CONNECT), timeout=PUBLISHING_TIMEOUT * 1000)
    # Screen readers hear how far it got.
    expect(page.locator("#post-delivery-progress")).to_have_text("Published on 3 of 3 accounts.")
    assert_accessible(page)
    links = page.get_by_role("link", name=re.compile(f"See it on {HANDLE}"))
    expect(links).to_have_count(len(CONNECT))
    for index in range(len(CONNECT)):
        permalink = links.nth(index).get_attribute("href") or ""
        assert permalink.startswith(emulator.base_url), permalink
        links.nth(index).press("Enter")
        # The link leads to the post itself on the account's page.
        expect(page.locator(":target")).to_contain_text(TEXT)
        page.go_back()
    page.close()
