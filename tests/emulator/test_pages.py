"""The emulator's pages: a person sees their post go out."""

from __future__ import annotations

from tests.emulator.clients import x_client
from tests.emulator_client import Emulator


def test_the_timeline_page_shows_a_published_post_and_its_replies(emulator: Emulator) -> None:
    token = emulator.account("x", "riverton", display_name="City of Riverton")["access_token"]
    created = x_client(emulator, token).create_tweet(
        text="Water main repaired on 5th", user_auth=False
    )
    emulator.inbound(
        network="x",
        account="riverton",
        kind="reply",
        text="Thank you crews!",
        in_reply_to=created.data["id"],
    )

    index = emulator.http.get("/")
    timeline = emulator.http.get("/accounts/x/riverton")

    assert '<html lang="en">' in index.text and 'href="/accounts/x/riverton"' in index.text
    assert "<h1>City of Riverton (@riverton)</h1>" in timeline.text
    assert timeline.text.index("Water main repaired on 5th") < timeline.text.index(
        "Thank you crews!"
    )
    assert "<script" not in timeline.text and "style=" not in timeline.text


def test_an_unknown_account_page_answers_404(emulator: Emulator) -> None:
    assert emulator.http.get("/accounts/x/nobody").status_code == 404


def test_accounts_seeded_through_the_admin_api_are_listed(emulator: Emulator) -> None:
    emulator.account("facebook", "riverton")
    emulator.account("bluesky", "riverton.bsky.social")

    listed = {(a["network"], a["handle"]) for a in emulator.accounts()}

    assert listed == {("facebook", "riverton"), ("bluesky", "riverton.bsky.social")}
    assert [a["handle"] for a in emulator.accounts("bluesky")] == ["riverton.bsky.social"]
