"""An admin writes a post in the browser: the counts follow the typing by X's own rules,
the draft saves itself, an account's own text can be given back to the base text, and
the post is scheduled in the agency's time zone."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, expect

from accounts.models import Agency, Role
from govsocial.tenancy import agency_scope
from publishing.networks.base import Network
from publishing.services import account_picture_keep, media_upload
from tests.browser.conftest import (
    Member,
    assert_accessible,
    at_both_sizes,
    authorise_on_the_network,
    sign_in,
)
from tests.emulator_client import Emulator
from tests.factories import MembershipFactory, social_account_for


def test_an_admin_writes_checks_and_schedules_a_post(
    web_server: str, browser: Browser, committed_admin: Member, emulator: Emulator
) -> None:
    page = browser.new_page()
    sign_in(page, web_server, committed_admin)
    page.get_by_role("link", name="Network accounts").click()
    page.get_by_role("button", name="Connect X").click()
    authorise_on_the_network(page, "composer_city")
    expect(page.get_by_text("X composer_city is connected.")).to_be_visible()

    page.get_by_role("link", name="Posts", exact=True).click()
    page.get_by_role("link", name="Write a post").click()
    # USWDS draws its own boxes: people tick them by their labels.
    page.get_by_text("X composer_city", exact=True).click()
    page.get_by_label("Text", exact=True).fill("Road closures this weekend.")
    counts = page.locator("#composer-counts")
    expect(counts).to_contain_text("X composer_city: 27 of 280 characters")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")

    # 150 CJK characters weigh 300 on X.
    page.get_by_label("Text", exact=True).fill("道" * 150)
    expect(counts).to_contain_text("300 of 280 characters — 20 too many")
    expect(page.locator("#composer-previews")).to_contain_text("This text counts 300")
    assert_accessible(page)

    # An account's own text is folded away until the author opens it.
    own_text = page.get_by_role("textbox", name="Text for X composer_city")
    expect(own_text).to_be_hidden()
    page.get_by_text("A different text or a first comment for one network").click()
    page.get_by_text("Its own text or a first comment for composer_city on X").click()
    own_text.fill("Closures this weekend: see the map.")
    expect(page.get_by_label("Write different text for X composer_city")).to_be_checked()
    expect(counts).to_contain_text("X composer_city: 35 of 280 characters")
    page.get_by_role("button", name=re.compile("Use the base text again")).click()
    expect(page.get_by_label("Write different text for X composer_city")).not_to_be_checked()
    expect(own_text).to_have_value("道" * 150)
    expect(counts).to_contain_text("300 of 280 characters")

    own_text.fill("Closures this weekend.")
    page.get_by_label("Date").fill(f"{timezone.now().year + 1}-01-12")
    page.get_by_label("Time").fill("09:00")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(
        page.get_by_text(re.compile(r"Scheduled for .* 9 a\.m\. \(America/Toronto\)\."))
    ).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="composer_city")).to_contain_text("Scheduled")
    assert_accessible(page)
    page.close()


def picture(colour: str) -> bytes:
    """Return a small PNG of one colour, as a photo in the library would be."""
    out = io.BytesIO()
    Image.new("RGB", (640, 400), colour).save(out, format="PNG")
    return out.getvalue()


def five_accounts_and_two_photos(agency: Agency, *, pictures_from: Emulator) -> None:
    """Give the agency one account on each network, with the picture the network shows,
    and two photos in its library."""
    for network, handle in [
        (Network.X, "riverton"),
        (Network.FACEBOOK, "City of Riverton"),
        (Network.INSTAGRAM, "cityofriverton"),
        (Network.MASTODON, "riverton@social.example"),
        (Network.BLUESKY, "riverton.bsky.social"),
    ]:
        avatar = pictures_from.url(f"/avatars/{network.value}/{quote(handle)}.png")
        account = social_account_for(agency, network=network, handle=handle, avatar_url=avatar)
        with agency_scope(agency.pk):
            account_picture_keep(account=account)
    admin = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    with agency_scope(agency.pk):
        for name, colour in (("bridge.png", "#1a4480"), ("park.png", "#538200")):
            media_upload(
                agency=agency,
                actor=admin,
                file=ContentFile(picture(colour), name=name),
                alt_text=f"A photo: {name}",
            )


def test_a_five_network_post_with_two_photos_fits_in_a_screen_and_a_half(
    web_server: str,
    browser: Browser,
    committed_admin: Member,
    in_agency: Callable[..., Any],
    screenshots: Path,
    web_media_root: Path,
    settings: Any,
    networks: Emulator,
) -> None:
    # The photos are kept where the web server reads the library.
    settings.MEDIA_ROOT = web_media_root
    in_agency(committed_admin, partial(five_accounts_and_two_photos, pictures_from=networks))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, web_server, committed_admin)
    page.goto(f"{web_server}/agencies/{committed_admin.agency_slug}/posts/new/")
    for account in (
        "X riverton",
        "Facebook City of Riverton",
        "Instagram cityofriverton",
        "Mastodon riverton@social.example",
        "Bluesky riverton.bsky.social",
    ):
        page.get_by_text(account, exact=True).click()
    page.get_by_label("Text", exact=True).fill(
        "The Elm Street bridge reopens on Monday at 6 a.m. after three months of repairs. "
        "Cyclists get a lane of their own on both sides; buses return to route 12 that day."
    )
    page.get_by_text("Choose files from the media library").click()
    for name in ("bridge.png", "park.png"):
        page.locator("label.usa-checkbox__label", has_text=name).click()
    counts = page.locator("#composer-counts")
    expect(counts).to_contain_text("Bluesky riverton.bsky.social")
    # The per-network texts and first comments stay folded: about a screen and a half.
    bottom = page.evaluate(
        "document.getElementById('composer').getBoundingClientRect().bottom + window.scrollY"
    )
    assert bottom <= 1.6 * 800, bottom
    at_both_sizes(page, screenshots, "composer")

    # Each network's preview draws the post as its feed does: Instagram a square photo
    # (it takes one: a problem says so) and the caption cut off after 125 characters,
    # X the two photos side by side and the whole text.
    previews = page.locator("#composer-previews")
    for summary in previews.locator("summary").all():
        summary.click()
    instagram = previews.locator(".govsocial-preview--instagram")
    expect(instagram.locator(".govsocial-preview__name")).to_have_text("cityofriverton")
    expect(instagram.locator(".govsocial-preview__folded")).to_contain_text("route 12 that day.")
    expect(instagram.locator(".govsocial-preview__media img")).to_have_count(1)
    expect(previews.locator(".govsocial-preview--x .govsocial-preview__media img")).to_have_count(2)
    # Each account shows the picture its network shows.
    expect(previews.locator("img.govsocial-preview__picture")).to_have_count(5)
    expect(previews.locator(".govsocial-preview--x .govsocial-preview__folded")).to_have_count(0)
    at_both_sizes(page, screenshots, "composer-previews", start="#composer-previews")
    page.close()
