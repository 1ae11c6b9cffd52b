"""The Bluesky adapter and connector over atproto, against the network emulator."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from pytest_django.fixtures import Settings

from publishing.networks.base import (
    AccountCredentials,
    InboundKind,
    MediaItem,
    Network,
    NetworkAdapter,
    OutcomeUnknownError,
    OutgoingPost,
    PasswordConnector,
    PermanentNetworkError,
    TransientNetworkError,
)
from publishing.networks.bluesky.session import SESSION_EXPIRED
from publishing.networks.registry import adapter_for, connector_for
from tests.emulator_client import Emulator
from tests.publishing.delivery import NETWORK_TIMEOUT, TIMED_OUT_MS

HANDLE = "riverton.bsky.social"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
JPEG = b"\xff\xd8\xff" + b"0" * 32
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme, 18 bytes of UTF-8


@pytest.fixture
def account(networks: Emulator) -> AccountCredentials:
    """Return the credentials of a Bluesky account on the emulator, with no citizens about."""
    networks.configure(citizens=False)
    created = networks.account("bluesky", HANDLE, display_name="City of Riverton")
    return _credentials(created)


@pytest.fixture
def bluesky(networks: Emulator) -> NetworkAdapter:
    """Return the adapter the registry gives for Bluesky."""
    return adapter_for(Network.BLUESKY)


@pytest.fixture
def connector(networks: Emulator) -> PasswordConnector:
    """Return the connector the registry gives for Bluesky."""
    return cast(PasswordConnector, connector_for(Network.BLUESKY))


def _credentials(created: dict[str, str]) -> AccountCredentials:
    """Return credentials from the emulator's answer for an account."""
    return AccountCredentials(
        network=Network.BLUESKY,
        remote_id=created["did"],
        handle=HANDLE,
        access_token=created["accessJwt"],
        refresh_token=created["refreshJwt"],
    )


def _record(emulator: Emulator, account: AccountCredentials, uri: str) -> dict[str, object]:
    """Return the stored record of a post, read back through the XRPC API."""
    answer = emulator.http.get(
        "/bluesky/xrpc/app.bsky.feed.getPosts",
        params={"uris": uri},
        headers={"Authorization": f"Bearer {account.access_token}"},
    )
    record: dict[str, object] = answer.json()["posts"][0]["record"]
    return record


def _citizen_replies(emulator: Emulator, to: str, text: str, **extra: str) -> dict[str, Any]:
    """Have a citizen reply to the post ``to``; return the stored reply."""
    return emulator.inbound(
        network="bluesky", account=HANDLE, kind="reply", text=text, in_reply_to=to, **extra
    )


def _citizen_mentions(emulator: Emulator, text: str) -> dict[str, Any]:
    """Have a citizen mention the account; return the stored mention."""
    return emulator.inbound(network="bluesky", account=HANDLE, kind="mention", text=text)


def _mutate_bluesky_settings(settings: Settings, **changes: object) -> None:
    """Change Bluesky's network settings for one test."""
    settings.NETWORKS = {
        **settings.NETWORKS,
        "bluesky": {**settings.NETWORKS["bluesky"], **changes},
    }


# Publishing ------------------------------------------------------------------------------


def test_a_text_post_is_published_with_its_uri_permalink_and_rich_text(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    text = f"Pools open Saturday #summer, thanks @{HANDLE} https://riverton.example/pools"

    published = bluesky.publish(account, OutgoingPost(text=text))

    [stored] = networks.posts(network="bluesky", origin="account")
    rkey = published.remote_id.rsplit("/", 1)[-1]
    assert stored["id"] == published.remote_id
    assert published.remote_id == f"at://{account.remote_id}/app.bsky.feed.post/{rkey}"
    assert stored["text"] == text
    assert published.permalink == networks.url(f"/bluesky/profile/{HANDLE}/post/{rkey}")
    page = networks.http.get(published.permalink, follow_redirects=True)
    assert page.status_code == 200 and "Pools open Saturday" in page.text
    facets = _record(networks, account, published.remote_id)["facets"]
    assert isinstance(facets, list)
    features = {f["features"][0]["$type"].rsplit("#", 1)[-1] for f in facets}
    assert features == {"tag", "mention", "link"}


def test_a_link_is_added_to_the_text_unless_the_text_already_has_it(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    bluesky.publish(account, OutgoingPost(text="Budget consultation", link="https://r.example/b"))
    bluesky.publish(
        account, OutgoingPost(text="See https://r.example/b", link="https://r.example/b")
    )

    texts = [p["text"] for p in networks.posts(network="bluesky", origin="account")]
    assert texts == ["See https://r.example/b", "Budget consultation\nhttps://r.example/b"]


def test_images_reach_bluesky_with_their_alt_text(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    media = (
        MediaItem(PNG, "image/png", "Map of the new bike lanes"),
        MediaItem(JPEG, "image/jpeg", "Cyclists on Elm Street"),
    )

    bluesky.publish(account, OutgoingPost(text="New bike lanes", media=media))

    [stored] = networks.posts(network="bluesky", origin="account")
    assert [(m["type"], m["alt"]) for m in stored["media"]] == [
        ("image/png", "Map of the new bike lanes"),
        ("image/jpeg", "Cyclists on Elm Street"),
    ]


def test_deleting_a_post_removes_it_and_deleting_it_again_counts_as_removed(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    published = bluesky.publish(account, OutgoingPost(text="Posted by mistake"))

    bluesky.delete(account, published.remote_id)
    bluesky.delete(account, published.remote_id)

    assert networks.posts(network="bluesky", origin="account") == []


def test_a_post_of_another_account_is_not_deleted(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    other = _credentials(networks.account("bluesky", "province.bsky.social"))
    theirs = bluesky.publish(other, OutgoingPost(text="Provincial notice"))

    with pytest.raises(PermanentNetworkError, match="belongs to another account"):
        bluesky.delete(account, theirs.remote_id)

    assert len(networks.posts(network="bluesky", origin="account")) == 1


# Reading ---------------------------------------------------------------------------------


def test_recent_posts_since_a_time_come_newest_first_without_citizens_replies(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    # A little latency keeps each post on its own millisecond.
    networks.configure(latency_ms=3)
    first = bluesky.publish(account, OutgoingPost(text="First"))
    second = bluesky.publish(account, OutgoingPost(text="Second"))
    _citizen_replies(networks, first.remote_id, "Nice")
    third = bluesky.reply(account, in_reply_to=second.remote_id, text="Third, in a thread")

    everything = bluesky.fetch_recent(account, since=datetime(2000, 1, 1, tzinfo=UTC))
    since_second = bluesky.fetch_recent(account, since=everything[1].created_at)

    assert [p.remote_id for p in everything] == [
        third.remote_id,
        second.remote_id,
        first.remote_id,
    ]
    assert [p.text for p in since_second] == ["Third, in a thread", "Second"]
    assert since_second[1].permalink == second.permalink


def test_inbound_replies_and_mentions_arrive_once_and_then_only_newer_ones(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    post = bluesky.publish(account, OutgoingPost(text="Road work on Elm"))
    reply = _citizen_replies(networks, post.remote_id, "How long?", citizen="amara_okafor")
    _citizen_mentions(networks, f"@{HANDLE} thanks")

    first = bluesky.fetch_inbound(account, cursor="")
    nothing_new = bluesky.fetch_inbound(account, cursor=first.cursor)
    _citizen_mentions(networks, f"@{HANDLE} hi")
    later = bluesky.fetch_inbound(account, cursor=nothing_new.cursor)

    assert [(i.kind, i.text) for i in first.items] == [
        (InboundKind.MENTION, f"@{HANDLE} thanks"),
        (InboundKind.REPLY, "How long?"),
    ]
    answer = first.items[1]
    assert answer.remote_id == reply["id"]
    assert answer.in_reply_to_remote_id == post.remote_id
    assert (answer.author_handle, answer.author_name) == (
        "amara-okafor.bsky.social",
        "Amara Okafor",
    )
    rkey = reply["id"].rsplit("/", 1)[-1]
    assert answer.permalink == networks.url(
        f"/bluesky/profile/amara-okafor.bsky.social/post/{rkey}"
    )
    assert nothing_new.items == ()
    assert [i.text for i in later.items] == [f"@{HANDLE} hi"]


def test_reading_items_again_leaves_out_the_deleted(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    post = bluesky.publish(account, OutgoingPost(text="Road work on Elm"))
    kept = _citizen_replies(networks, post.remote_id, "How long?", citizen="amara_okafor")["id"]
    deleted = _citizen_mentions(networks, f"@{HANDLE} spam")["id"]
    networks.delete("bluesky", deleted)
    # More than Bluesky returns for one request: asked for in several.
    others = [_citizen_mentions(networks, f"@{HANDLE} {n}")["id"] for n in range(25)]

    found = bluesky.fetch_current(account, remote_ids=[kept, deleted, *others])

    assert [p.remote_id for p in found] == [kept, *others]
    assert found[0].text == "How long?"
    assert found[0].permalink.startswith(networks.url("/bluesky/profile/amara-okafor"))


def test_an_item_at_the_cursors_instant_that_was_not_seen_still_arrives(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    _citizen_mentions(networks, f"@{HANDLE} one")
    [item] = bluesky.fetch_inbound(account, cursor="").items

    same_instant = bluesky.fetch_inbound(account, cursor=item.created_at.isoformat())
    seen = bluesky.fetch_inbound(account, cursor=f"{item.created_at.isoformat()}|{item.remote_id}")

    assert [i.remote_id for i in same_instant.items] == [item.remote_id]
    assert seen.items == ()


def test_a_reply_joins_the_citizens_thread(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    post = bluesky.publish(account, OutgoingPost(text="Snow clearing tonight"))
    question = _citizen_replies(networks, post.remote_id, "My street?")

    answer = bluesky.reply(account, in_reply_to=question["id"], text="Yes, after midnight.")

    stored = next(p for p in networks.posts(network="bluesky") if p["id"] == answer.remote_id)
    assert (stored["in_reply_to"], stored["root_id"]) == (question["id"], post.remote_id)
    assert stored["origin"] == "account"


def test_replying_to_a_deleted_post_is_refused_clearly(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    post = bluesky.publish(account, OutgoingPost(text="Gone soon"))
    bluesky.delete(account, post.remote_id)

    with pytest.raises(PermanentNetworkError, match="no longer on Bluesky"):
        bluesky.reply(account, in_reply_to=post.remote_id, text="Too late")


def test_hiding_a_reply_is_refused_with_a_reason(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    post = bluesky.publish(account, OutgoingPost(text="Council meeting tonight"))
    reply = _citizen_replies(networks, post.remote_id, "Spam")

    with pytest.raises(PermanentNetworkError, match="does not let govsocial hide replies") as error:
        bluesky.hide(account, reply["id"], hidden=True)

    assert not error.value.needs_reauthorisation


def test_the_profile_names_the_account(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    profile = bluesky.profile(account)

    assert (profile.remote_id, profile.handle, profile.display_name) == (
        account.remote_id,
        HANDLE,
        "City of Riverton",
    )
    assert networks.http.get(profile.avatar_url).status_code == 200


# Failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "expected", "rate_limited", "reauthorise"),
    [
        ({"kind": "server_error", "status": 500}, TransientNetworkError, False, False),
        ({"kind": "server_error", "status": 502}, TransientNetworkError, False, False),
        ({"kind": "server_error"}, TransientNetworkError, False, False),
        ({"kind": "rate_limit", "reset_in": 120}, TransientNetworkError, True, False),
        ({"kind": "token_expired"}, PermanentNetworkError, False, True),
    ],
)
def test_a_refused_publish_maps_to_the_error_the_dispatcher_acts_on(
    networks: Emulator,
    bluesky: NetworkAdapter,
    account: AccountCredentials,
    fault: dict[str, object],
    expected: type[Exception],
    rate_limited: bool,
    reauthorise: bool,
) -> None:
    networks.fault(**fault, network="bluesky", path="createRecord")  # type: ignore[arg-type]

    with pytest.raises(expected) as raised:
        bluesky.publish(account, OutgoingPost(text="Will not go out"))

    error = raised.value
    assert getattr(error, "rate_limited", False) is rate_limited
    assert getattr(error, "needs_reauthorisation", False) is reauthorise
    if rate_limited:
        assert isinstance(error, TransientNetworkError) and error.retry_after is not None
        assert 100 < error.retry_after <= 120
    assert account.access_token not in str(error)
    assert networks.posts(network="bluesky", origin="account") == []


def test_a_publish_whose_answer_never_comes_is_unknown_though_the_post_exists(
    networks: Emulator, account: AccountCredentials, settings: Settings
) -> None:
    _mutate_bluesky_settings(settings, timeout_seconds=NETWORK_TIMEOUT)
    networks.fault("accepted_timeout", network="bluesky", path="createRecord", hold_ms=TIMED_OUT_MS)

    with pytest.raises(OutcomeUnknownError):
        adapter_for(Network.BLUESKY).publish(account, OutgoingPost(text="Did it go out?"))

    assert [p["text"] for p in networks.posts(network="bluesky", origin="account")] == [
        "Did it go out?"
    ]


def test_an_unreachable_bluesky_is_tried_again_later(
    networks: Emulator, account: AccountCredentials, settings: Settings
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    _mutate_bluesky_settings(settings, api_url=f"http://127.0.0.1:{port}/bluesky")

    with pytest.raises(TransientNetworkError) as error:
        adapter_for(Network.BLUESKY).publish(account, OutgoingPost(text="Anyone there?"))

    assert not error.value.rate_limited


def test_text_bluesky_refuses_fails_with_its_reason_and_text_at_the_limit_goes_out(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    bluesky.publish(account, OutgoingPost(text="é" * 150 + FAMILY * 150))

    with pytest.raises(PermanentNetworkError, match="300 graphemes") as error:
        bluesky.publish(account, OutgoingPost(text="a" * 301))

    assert error.value.reason.startswith("Bluesky refused the post")
    assert not error.value.needs_reauthorisation
    assert len(networks.posts(network="bluesky", origin="account")) == 1


# Sessions --------------------------------------------------------------------------------


def test_a_spent_access_token_is_not_sent_and_a_refresh_lets_the_post_go_out(
    networks: Emulator,
    bluesky: NetworkAdapter,
    connector: PasswordConnector,
    account: AccountCredentials,
) -> None:
    spent = networks.tokens("bluesky", HANDLE, expires_in=0)
    stale = _credentials(spent)

    with pytest.raises(TransientNetworkError) as error:
        bluesky.publish(stale, OutgoingPost(text="After the renewal"))
    renewed = connector.refresh(stale)
    bluesky.publish(renewed, OutgoingPost(text="After the renewal"))

    assert error.value.code == SESSION_EXPIRED
    assert [p["text"] for p in networks.posts(network="bluesky", origin="account")] == [
        "After the renewal"
    ]


def test_a_spent_access_token_without_a_refresh_token_needs_reconnecting(
    networks: Emulator, bluesky: NetworkAdapter, account: AccountCredentials
) -> None:
    spent = _credentials(networks.tokens("bluesky", HANDLE, expires_in=0))
    without_refresh = AccountCredentials(
        network=Network.BLUESKY,
        remote_id=spent.remote_id,
        handle=HANDLE,
        access_token=spent.access_token,
    )

    with pytest.raises(PermanentNetworkError) as error:
        bluesky.profile(without_refresh)

    assert error.value.needs_reauthorisation
    assert "reconnect" in error.value.reason


def test_signing_in_with_an_app_password_returns_the_account_and_working_tokens(
    networks: Emulator, bluesky: NetworkAdapter, connector: PasswordConnector
) -> None:
    networks.account("bluesky", HANDLE, display_name="City of Riverton", password="app-pass")

    connected = connector.sign_in(identifier=f"@{HANDLE}", app_password="app-pass")
    bluesky.publish(connected.credentials, OutgoingPost(text="Connected"))

    assert connected.profile.handle == HANDLE
    assert connected.profile.display_name == "City of Riverton"
    assert connected.credentials.remote_id == connected.profile.remote_id
    assert connected.credentials.remote_id.startswith("did:plc:")
    expires_at = connected.credentials.token_expires_at
    assert expires_at is not None
    assert timedelta(hours=1) < expires_at - datetime.now(UTC) <= timedelta(hours=2)
    assert networks.posts(network="bluesky", origin="account")[0]["text"] == "Connected"


def test_a_wrong_app_password_is_refused_with_a_clear_message(
    networks: Emulator, connector: PasswordConnector
) -> None:
    networks.account("bluesky", HANDLE, password="right-one")

    with pytest.raises(PermanentNetworkError) as error:
        connector.sign_in(identifier=HANDLE, app_password="wrong-one")

    assert error.value.reason.startswith("Bluesky refused the handle or app password")
    assert "wrong-one" not in error.value.reason
    assert not error.value.needs_reauthorisation


def test_refreshing_rotates_the_refresh_token_and_the_old_one_stops_working(
    networks: Emulator,
    bluesky: NetworkAdapter,
    connector: PasswordConnector,
    account: AccountCredentials,
) -> None:
    renewed = connector.refresh(account)

    with pytest.raises(PermanentNetworkError) as error:
        connector.refresh(account)

    assert renewed.refresh_token != account.refresh_token
    assert renewed.token_expires_at is not None
    assert bluesky.profile(renewed).handle == HANDLE
    assert error.value.needs_reauthorisation
    assert account.refresh_token not in str(error.value)


def test_an_expired_refresh_token_means_the_account_must_be_reconnected(
    networks: Emulator, connector: PasswordConnector, account: AccountCredentials
) -> None:
    networks.expire("bluesky", HANDLE, refresh=True)

    with pytest.raises(PermanentNetworkError) as error:
        connector.refresh(account)

    assert error.value.needs_reauthorisation
    assert "reconnect" in error.value.reason


# Validation ------------------------------------------------------------------------------


def _image(size: int = 64, *, alt: str = "A map", content: bytes = b"") -> MediaItem:
    """Return a PNG of ``size`` bytes (or ``content``) with ``alt`` text."""
    data = content or (PNG + b"0" * (size - len(PNG)))
    return MediaItem(data, "image/png", alt)


@pytest.mark.parametrize(
    ("post", "problems"),
    [
        (OutgoingPost(text="a" * 300), []),
        (OutgoingPost(text="a" * 301), ["text_too_long"]),
        (OutgoingPost(text="é" * 150 + FAMILY * 150), []),
        (OutgoingPost(text="a" * 290, link="https://r.example/x"), ["text_too_long"]),
        (OutgoingPost(text=FAMILY * 166 + "a" * 12), []),  # 3,000 bytes
        (OutgoingPost(text=FAMILY * 166 + "a" * 13), ["text_too_large"]),
        (OutgoingPost(text=" "), ["empty"]),
        (OutgoingPost(text="", media=(_image(),)), []),
        (OutgoingPost(text="Four", media=(_image(),) * 4), []),
        (OutgoingPost(text="Five", media=(_image(),) * 5), ["too_many_media"]),
        (OutgoingPost(text="Big", media=(_image(1_000_000),)), []),
        (OutgoingPost(text="Big", media=(_image(1_000_001),)), ["media_too_large"]),
        (OutgoingPost(text="Webp", media=(_image(content=b"RIFF0000WEBP0000"),)), []),
        (OutgoingPost(text="Film", media=(_image(content=b"0000ftypmp42"),)), ["media_type"]),
        (OutgoingPost(text="Alt", media=(_image(alt=" "),)), ["alt_text_missing"]),
        (OutgoingPost(text="Alt", media=(_image(alt="a" * 2000),)), []),
        (OutgoingPost(text="Alt", media=(_image(alt="a" * 2001),)), ["alt_text_too_long"]),
    ],
)
def test_validation_follows_blueskys_counting_and_media_rules_to_the_limit(
    bluesky: NetworkAdapter, post: OutgoingPost, problems: list[str]
) -> None:
    assert [p.code for p in bluesky.validate(post)] == problems
