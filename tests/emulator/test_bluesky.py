"""Bluesky through atproto: sessions, posts, images, threads, notifications and limits."""

from __future__ import annotations

import pytest
from atproto import Client, models
from atproto_client.exceptions import BadRequestError, UnauthorizedError

from tests.emulator.clients import bluesky_client
from tests.emulator_client import Emulator

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
STRICT = {"strict_string_format": True}


@pytest.fixture
def client(emulator: Emulator) -> Client:
    """Return atproto's client signed in as riverton.bsky.social."""
    account = emulator.account("bluesky", "riverton.bsky.social")
    client = bluesky_client(emulator)
    client.login("riverton.bsky.social", account["password"])
    return client


def test_a_post_reaches_the_network_and_its_thread_reads_back(
    emulator: Emulator, client: Client
) -> None:
    emulator.configure(citizens=False)
    created = client.send_post("Library hours change next week")
    emulator.inbound(
        network="bluesky",
        account="riverton.bsky.social",
        kind="reply",
        text="Which branch?",
        in_reply_to=created.uri,
    )

    thread = client.get_post_thread(created.uri).thread
    feed = client.get_author_feed("riverton.bsky.social")

    assert thread.post.record.text == "Library hours change next week"
    assert [r.post.record.text for r in thread.replies] == ["Which branch?"]
    assert [item.post.uri for item in feed.feed] == [created.uri]
    assert emulator.posts(network="bluesky", origin="account")[0]["id"] == created.uri


def test_answers_validate_against_the_lexicon_strictly(client: Client) -> None:
    created = client.send_post("Strictly well-formed")
    raw = client.app.bsky.feed.get_post_thread(
        models.AppBskyFeedGetPostThread.Params(uri=created.uri)
    )
    notes = client.app.bsky.notification.list_notifications()

    models.AppBskyFeedDefs.ThreadViewPost.model_validate(
        raw.thread.model_dump(by_alias=True), context=STRICT
    )
    for note in notes.notifications:
        models.AppBskyNotificationListNotifications.Notification.model_validate(
            note.model_dump(by_alias=True), context=STRICT
        )


def test_replies_and_mentions_arrive_as_notifications(emulator: Emulator, client: Client) -> None:
    emulator.configure(citizens=False)
    created = client.send_post("Road work on Elm")
    emulator.inbound(
        network="bluesky",
        account="riverton.bsky.social",
        kind="reply",
        text="How long?",
        in_reply_to=created.uri,
    )
    emulator.inbound(
        network="bluesky",
        account="riverton.bsky.social",
        kind="mention",
        text="@riverton.bsky.social thanks",
    )

    notes = client.app.bsky.notification.list_notifications().notifications

    assert [(n.reason, n.record.text) for n in notes] == [
        ("mention", "@riverton.bsky.social thanks"),
        ("reply", "How long?"),
    ]
    assert notes[0].record.facets[0].features[0].did == client.me.did


def test_an_image_post_keeps_its_alt_text(emulator: Emulator, client: Client) -> None:
    client.send_image("The new bike lanes", image=PNG, image_alt="Map of bike lanes")

    [post] = emulator.posts(network="bluesky", origin="account")
    assert post["media"][0]["alt"] == "Map of bike lanes"
    assert post["media"][0]["type"] == "image/png"


def test_text_over_300_graphemes_is_refused(emulator: Emulator, client: Client) -> None:
    client.send_post("é" * 150 + "👨‍👩‍👧" * 150)  # 300 graphemes, many more code points

    with pytest.raises(BadRequestError, match="300 graphemes"):
        client.send_post("a" * 301)
    assert len(emulator.posts(network="bluesky", origin="account")) == 1


def test_an_image_over_one_megabyte_is_refused(client: Client) -> None:
    with pytest.raises(BadRequestError, match="too large"):
        client.send_image("Too big", image=b"\x89PNG\r\n\x1a\n" + b"0" * 1_000_000, image_alt="")


def test_a_wrong_password_is_refused(emulator: Emulator) -> None:
    emulator.account("bluesky", "riverton.bsky.social", password="right-one")

    with pytest.raises(UnauthorizedError):
        bluesky_client(emulator).login("riverton.bsky.social", "wrong-one")


def test_an_expired_session_answers_expired_token_and_refresh_recovers(
    emulator: Emulator, client: Client
) -> None:
    emulator.expire("bluesky", "riverton.bsky.social")

    with pytest.raises(BadRequestError, match="ExpiredToken"):
        client.send_post("Will not go out")
    client._refresh_and_set_session()
    client.send_post("Goes out after the refresh")

    assert [p["text"] for p in emulator.posts(network="bluesky", origin="account")] == [
        "Goes out after the refresh"
    ]


def test_deleting_a_post_removes_it(emulator: Emulator, client: Client) -> None:
    created = client.send_post("Oops")

    assert client.delete_post(created.uri)
    assert emulator.posts(network="bluesky", origin="account") == []


def test_rate_limit_headers_follow_the_pds(emulator: Emulator, client: Client) -> None:
    emulator.configure(rate_limits={"bluesky": {"limit": 1, "window_seconds": 300}})
    headers = {"Authorization": f"Bearer {client._session.access_jwt}"}

    first = emulator.http.get("/bluesky/xrpc/com.atproto.server.getSession", headers=headers)
    second = emulator.http.get("/bluesky/xrpc/com.atproto.server.getSession", headers=headers)

    assert first.headers["ratelimit-policy"] == "1;w=300"
    assert first.headers["ratelimit-remaining"] == "0"
    assert second.status_code == 429 and second.json()["error"] == "RateLimitExceeded"


def test_a_posts_web_address_leads_to_it_on_the_timeline_page(
    emulator: Emulator, client: Client
) -> None:
    created = client.send_post("Pool opens Saturday")
    rkey = created.uri.rsplit("/", 1)[-1]

    by_handle = emulator.http.get(f"/bluesky/profile/riverton.bsky.social/post/{rkey}")
    by_did = emulator.http.get(f"/bluesky/profile/{client.me.did}/post/{rkey}")
    page = emulator.http.get(by_handle.headers["location"])
    missing = emulator.http.get("/bluesky/profile/riverton.bsky.social/post/3zzzzzzzzzzzz")

    assert by_handle.status_code == 302
    assert by_handle.headers["location"] == by_did.headers["location"]
    path, anchor = by_handle.headers["location"].split("#")
    assert path == emulator.url("/accounts/bluesky/riverton.bsky.social")
    assert f'id="{anchor}"' in page.text and "Pool opens Saturday" in page.text
    assert missing.status_code == 404
