"""The Facebook and Instagram adapters and Facebook Login, over HTTP against the emulator."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from pytest_django import Settings

from publishing.networks.base import (
    AccountCredentials,
    InboundKind,
    MediaItem,
    Network,
    NetworkAdapter,
    OutcomeUnknownError,
    OutgoingPost,
    PermanentNetworkError,
    TransientNetworkError,
)
from publishing.networks.graph import GraphConnector
from publishing.networks.limits import INSTAGRAM_POSTS_PER_DAY, MB
from publishing.networks.registry import adapter_for, connector_for
from tests.emulator.clients import GRAPH
from tests.emulator_client import Emulator
from tests.publishing.delivery import NETWORK_TIMEOUT, TIMED_OUT_MS

CALLBACK = "http://testserver/networks/facebook/callback/"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
NAMES = {Network.FACEBOOK: "Facebook", Network.INSTAGRAM: "Instagram"}


@dataclass(frozen=True)
class Riverton:
    """The Riverton page and its Instagram account, as connecting them would store them."""

    facebook: AccountCredentials
    instagram: AccountCredentials


@pytest.fixture
def riverton(networks: Emulator) -> Riverton:
    """Create the Riverton page on the emulator, with citizens quiet unless a test speaks."""
    networks.configure(citizens=False)
    page = networks.account("facebook", "riverton")
    extra = {"page_id": page["id"]}
    return Riverton(
        facebook=AccountCredentials(
            Network.FACEBOOK, page["id"], "riverton", page["page_access_token"], extra=extra
        ),
        instagram=AccountCredentials(
            Network.INSTAGRAM,
            page["instagram_id"],
            "riverton",
            page["page_access_token"],
            extra=extra,
        ),
    )


def image(
    name: str = "map.jpg",
    *,
    alt: str = "A map of the closed streets",
    size: int = 0,
    mime: str = "image/jpeg",
    url: str = "https://riverton.example/map.jpg",
) -> MediaItem:
    """Return a JPEG of ``size`` bytes (a small one by default)."""
    content = JPEG + b"\x00" * max(0, size - len(JPEG)) if size else JPEG
    return MediaItem(content=content, mime_type=mime, alt_text=alt, filename=name, url=url)


def citizen_says(
    networks: Emulator,
    network: str,
    text: str,
    *,
    to: str = "",
    citizen: str = "amara_okafor",
) -> str:
    """Have a citizen comment on ``to`` (a post or comment), or write the page a private
    message when ``to`` is empty; return the new item's id."""
    kind = {"kind": "reply", "in_reply_to": to} if to else {"kind": "message"}
    said = networks.inbound(network=network, account="riverton", text=text, citizen=citizen, **kind)
    return str(said["id"])


def credentials_of(riverton: Riverton, network: Network) -> AccountCredentials:
    """Return the Riverton account on ``network``."""
    return riverton.facebook if network == Network.FACEBOOK else riverton.instagram


def publishable(network: Network, text: str = "Pools open Saturday") -> OutgoingPost:
    """Return a post ``network`` accepts: Instagram needs an image."""
    return OutgoingPost(text=text, media=(image(),) if network == Network.INSTAGRAM else ())


# Publishing -------------------------------------------------------------------------


def test_a_text_post_reaches_the_page_with_its_id_and_permalink(
    networks: Emulator, riverton: Riverton
) -> None:
    published = adapter_for(Network.FACEBOOK).publish(
        riverton.facebook,
        OutgoingPost(text="Pools open Saturday", link="https://riverton.example/pools"),
    )

    [stored] = networks.posts(network="facebook", account="riverton")
    assert (stored["id"], stored["text"]) == (published.remote_id, "Pools open Saturday")
    assert published.permalink.startswith(networks.url("/accounts/facebook/riverton#post-"))
    anchor = published.permalink.rsplit("#", 1)[1]
    assert f'id="{anchor}"' in networks.http.get(published.permalink).text
    assert published.published_at is not None and published.published_at.tzinfo is not None


def test_a_photo_post_carries_its_alt_text_to_facebook(
    networks: Emulator, riverton: Riverton
) -> None:
    published = adapter_for(Network.FACEBOOK).publish(
        riverton.facebook, OutgoingPost(text="Road closures", media=(image(),))
    )

    [stored] = networks.posts(network="facebook", account="riverton")
    assert stored["id"] == published.remote_id and stored["text"] == "Road closures"
    assert [(m["alt"], m["size"]) for m in stored["media"]] == [
        ("A map of the closed streets", len(JPEG))
    ]
    assert networks.http.get(published.permalink).status_code == 200


def test_several_photos_go_out_as_one_facebook_post_each_with_its_alt_text(
    networks: Emulator, riverton: Riverton
) -> None:
    published = adapter_for(Network.FACEBOOK).publish(
        riverton.facebook,
        OutgoingPost(
            text="Before and after",
            link="https://riverton.example/park",
            media=(image("before.jpg", alt="The park before"), image("after.jpg", alt="After")),
        ),
    )

    [stored] = networks.posts(network="facebook", account="riverton")
    assert stored["id"] == published.remote_id
    assert stored["text"] == "Before and after\n\nhttps://riverton.example/park"
    assert [m["alt"] for m in stored["media"]] == ["The park before", "After"]


def test_an_instagram_post_publishes_its_image_caption_and_alt_text(
    networks: Emulator, riverton: Riverton
) -> None:
    published = adapter_for(Network.INSTAGRAM).publish(
        riverton.instagram, OutgoingPost(text="Pools open #summer", media=(image(),))
    )

    [stored] = networks.posts(network="instagram", account="riverton")
    assert (stored["id"], stored["text"]) == (published.remote_id, "Pools open #summer")
    assert [m["alt"] for m in stored["media"]] == ["A map of the closed streets"]
    assert networks.http.get(published.permalink).status_code == 200
    assert published.permalink.startswith(networks.url("/accounts/facebook/riverton#post-"))


def test_deleting_a_facebook_post_twice_counts_as_removed(
    networks: Emulator, riverton: Riverton
) -> None:
    adapter = adapter_for(Network.FACEBOOK)
    published = adapter.publish(riverton.facebook, OutgoingPost(text="Wrong date"))

    adapter.delete(riverton.facebook, published.remote_id)
    adapter.delete(riverton.facebook, published.remote_id)

    [stored] = networks.posts(network="facebook", account="riverton", include_deleted="1")
    assert stored["id"] == published.remote_id and stored["deleted"] is True


def test_instagram_posts_cannot_be_deleted_by_an_app(
    networks: Emulator, riverton: Riverton
) -> None:
    adapter = adapter_for(Network.INSTAGRAM)
    published = adapter.publish(riverton.instagram, publishable(Network.INSTAGRAM))

    with pytest.raises(PermanentNetworkError, match="Delete it in the Instagram app"):
        adapter.delete(riverton.instagram, published.remote_id)
    assert networks.posts(network="instagram", account="riverton")[0]["deleted"] is False


@pytest.mark.parametrize("network", [Network.FACEBOOK, Network.INSTAGRAM])
def test_fetch_recent_returns_own_posts_since_a_time_newest_first(
    networks: Emulator, riverton: Riverton, network: Network
) -> None:
    networks.configure(citizens=True)
    account = credentials_of(riverton, network)
    adapter = adapter_for(network)
    before = datetime.now(UTC) - timedelta(seconds=1)
    sent = [adapter.publish(account, publishable(network, f"Notice {n}")) for n in range(3)]

    recent = adapter.fetch_recent(account, since=before)
    later = adapter.fetch_recent(account, since=datetime.now(UTC) + timedelta(seconds=2))

    assert [p.remote_id for p in recent] == [p.remote_id for p in reversed(sent)]
    assert [p.text for p in recent] == ["Notice 2", "Notice 1", "Notice 0"]
    assert [p.permalink for p in recent] == [p.permalink for p in reversed(sent)]
    assert later == []


# Inbound, replies, hiding, profile ------------------------------------------------------


def test_facebook_inbound_brings_comments_and_messages_then_only_newer_ones(
    networks: Emulator, riverton: Riverton
) -> None:
    adapter = adapter_for(Network.FACEBOOK)
    post = adapter.publish(riverton.facebook, OutgoingPost(text="Road work on Elm")).remote_id
    comment = citizen_says(networks, "facebook", "How long?", to=post)
    answer = citizen_says(
        networks, "facebook", "Two weeks, they said", to=comment, citizen="ben_tremblay"
    )
    message = citizen_says(networks, "facebook", "Is Elm open to bikes?")
    adapter.reply(riverton.facebook, in_reply_to=comment, text="About two weeks.")

    first = adapter.fetch_inbound(riverton.facebook, cursor="")
    again = adapter.fetch_inbound(riverton.facebook, cursor=first.cursor)
    newer = citizen_says(networks, "facebook", "Thanks!", to=post)
    third = adapter.fetch_inbound(riverton.facebook, cursor=first.cursor)

    assert [(i.remote_id, i.kind, i.text, i.in_reply_to_remote_id) for i in first.items] == [
        (comment, InboundKind.COMMENT, "How long?", post),
        (answer, InboundKind.COMMENT, "Two weeks, they said", comment),
        (message, InboundKind.MESSAGE, "Is Elm open to bikes?", ""),
    ]
    assert [i.author_name for i in first.items] == ["Amara Okafor", "Ben Tremblay", "Amara Okafor"]
    assert networks.http.get(first.items[0].permalink).status_code == 200
    assert again.items == () and again.cursor == first.cursor
    assert [i.remote_id for i in third.items] == [newer]


def test_instagram_inbound_brings_comments_and_replies_then_only_newer_ones(
    networks: Emulator, riverton: Riverton
) -> None:
    adapter = adapter_for(Network.INSTAGRAM)
    media = adapter.publish(riverton.instagram, publishable(Network.INSTAGRAM)).remote_id
    comment = citizen_says(networks, "instagram", "Love it", to=media)
    adapter.reply(riverton.instagram, in_reply_to=comment, text="Thank you!")
    answer = citizen_says(networks, "instagram", "Which pool?", to=comment, citizen="grace_kim")

    first = adapter.fetch_inbound(riverton.instagram, cursor="")
    again = adapter.fetch_inbound(riverton.instagram, cursor=first.cursor)
    newer = citizen_says(networks, "instagram", "See you", to=media)
    third = adapter.fetch_inbound(riverton.instagram, cursor=again.cursor)

    assert [(i.remote_id, i.author_handle, i.in_reply_to_remote_id) for i in first.items] == [
        (comment, "amara_okafor", media),
        (answer, "grace_kim", comment),
    ]
    assert {i.kind for i in first.items} == {InboundKind.COMMENT}
    assert again.items == ()
    assert [i.text for i in third.items] == ["See you"] and third.items[0].remote_id == newer


def test_reading_facebook_items_again_gives_edits_and_leaves_out_the_deleted(
    networks: Emulator, riverton: Riverton
) -> None:
    adapter = adapter_for(Network.FACEBOOK)
    post = adapter.publish(riverton.facebook, OutgoingPost(text="Road work on Elm")).remote_id
    comment = citizen_says(networks, "facebook", "How long?", to=post)
    deleted = citizen_says(networks, "facebook", "Useless!", to=post, citizen="ben_tremblay")
    message = citizen_says(networks, "facebook", "Is Elm open to bikes?")
    networks.edit("facebook", comment, "How long will it last?")
    networks.delete("facebook", deleted)

    found = adapter.fetch_current(riverton.facebook, remote_ids=[comment, deleted, message])

    assert [(p.remote_id, p.text) for p in found] == [
        (comment, "How long will it last?"),
        (message, "Is Elm open to bikes?"),
    ]


def test_reading_instagram_comments_again_leaves_out_the_deleted(
    networks: Emulator, riverton: Riverton
) -> None:
    adapter = adapter_for(Network.INSTAGRAM)
    media = adapter.publish(riverton.instagram, publishable(Network.INSTAGRAM)).remote_id
    kept = citizen_says(networks, "instagram", "Love it", to=media)
    deleted = citizen_says(networks, "instagram", "Boring", to=media, citizen="grace_kim")
    networks.delete("instagram", deleted)

    found = adapter.fetch_current(riverton.instagram, remote_ids=[kept, deleted])

    assert [(p.remote_id, p.text) for p in found] == [(kept, "Love it")]


def test_replies_answer_a_facebook_comment_in_public_and_a_message_in_private(
    networks: Emulator, riverton: Riverton
) -> None:
    adapter = adapter_for(Network.FACEBOOK)
    post = adapter.publish(riverton.facebook, OutgoingPost(text="Leaf collection")).remote_id
    comment = citizen_says(networks, "facebook", "Which day?", to=post)
    message = citizen_says(networks, "facebook", "My bin was missed")

    public = adapter.reply(riverton.facebook, in_reply_to=comment, text="Tuesdays.")
    private = adapter.reply(riverton.facebook, in_reply_to=message, text="Sorry, noted.")

    [reply] = networks.posts(network="facebook", origin="account", kind="reply")
    [sent] = networks.posts(network="facebook", origin="account", kind="message")
    assert (reply["id"], reply["text"], reply["in_reply_to"]) == (
        public.remote_id,
        "Tuesdays.",
        comment,
    )
    assert networks.http.get(public.permalink).status_code == 200
    assert (sent["id"], sent["text"]) == (private.remote_id, "Sorry, noted.")


def test_replies_answer_an_instagram_comment_under_it(
    networks: Emulator, riverton: Riverton
) -> None:
    adapter = adapter_for(Network.INSTAGRAM)
    media = adapter.publish(riverton.instagram, publishable(Network.INSTAGRAM)).remote_id
    comment = citizen_says(networks, "instagram", "Open late?", to=media)

    reply = adapter.reply(riverton.instagram, in_reply_to=comment, text="Until 9.")

    [stored] = networks.posts(network="instagram", origin="account", kind="reply")
    assert (stored["id"], stored["text"], stored["in_reply_to"]) == (
        reply.remote_id,
        "Until 9.",
        comment,
    )


@pytest.mark.parametrize("network", [Network.FACEBOOK, Network.INSTAGRAM])
def test_a_comment_can_be_hidden_and_shown_again(
    networks: Emulator, riverton: Riverton, network: Network
) -> None:
    account = credentials_of(riverton, network)
    adapter = adapter_for(network)
    post = adapter.publish(account, publishable(network)).remote_id
    comment = citizen_says(networks, network.value, "Spam!", to=post)

    adapter.hide(account, comment, hidden=True)
    hidden = networks.posts(network=network.value, origin="citizen")[0]["hidden"]
    adapter.hide(account, comment, hidden=False)
    shown = networks.posts(network=network.value, origin="citizen")[0]["hidden"]

    assert (hidden, shown) == (True, False)


def test_a_facebook_message_cannot_be_hidden(networks: Emulator, riverton: Riverton) -> None:
    message = citizen_says(networks, "facebook", "Hi")

    with pytest.raises(PermanentNetworkError, match="only comments can be hidden"):
        adapter_for(Network.FACEBOOK).hide(riverton.facebook, message, hidden=True)


def test_profile_names_the_page_and_its_instagram_account(
    networks: Emulator, riverton: Riverton
) -> None:
    page = adapter_for(Network.FACEBOOK).profile(riverton.facebook)
    instagram = adapter_for(Network.INSTAGRAM).profile(riverton.instagram)

    assert (page.remote_id, page.handle, page.display_name) == (
        riverton.facebook.remote_id,
        "riverton",
        "Riverton",
    )
    assert (instagram.remote_id, instagram.handle) == (riverton.instagram.remote_id, "riverton")
    assert networks.http.get(page.avatar_url).status_code == 200
    assert networks.http.get(instagram.avatar_url).status_code == 200


# Faults --------------------------------------------------------------------------------


@pytest.mark.parametrize("network", [Network.FACEBOOK, Network.INSTAGRAM])
def test_a_server_error_is_transient_and_publishes_nothing(
    networks: Emulator, riverton: Riverton, network: Network
) -> None:
    networks.fault("server_error", network="facebook", status=503, count=1)

    with pytest.raises(TransientNetworkError) as raised:
        adapter_for(network).publish(credentials_of(riverton, network), publishable(network))

    assert raised.value.rate_limited is False and raised.value.status == 503
    assert networks.posts(network=network.value, origin="account") == []


@pytest.mark.parametrize(("network", "code"), [(Network.FACEBOOK, 4), (Network.INSTAGRAM, 613)])
def test_throttling_is_a_rate_limit_with_graphs_time_to_regain_access(
    networks: Emulator, riverton: Riverton, network: Network, code: int
) -> None:
    networks.fault("rate_limit", network="facebook", code=code, reset_in=120, count=1)

    with pytest.raises(TransientNetworkError) as raised:
        adapter_for(network).publish(credentials_of(riverton, network), publishable(network))

    assert raised.value.rate_limited is True
    # Graph says "2 minutes" in X-Business-Use-Case-Usage.
    assert raised.value.retry_after == 120.0
    assert raised.value.code == str(code)


@pytest.mark.parametrize("network", [Network.FACEBOOK, Network.INSTAGRAM])
def test_an_expired_token_asks_for_the_account_to_be_reconnected(
    networks: Emulator, riverton: Riverton, network: Network
) -> None:
    networks.fault("token_expired", network="facebook", count=1)
    account = credentials_of(riverton, network)

    with pytest.raises(PermanentNetworkError) as raised:
        adapter_for(network).publish(account, publishable(network))

    assert raised.value.needs_reauthorisation is True
    assert "Reconnect the account" in raised.value.reason
    assert account.access_token not in raised.value.reason


@pytest.mark.parametrize(
    ("network", "path"), [(Network.FACEBOOK, "/feed"), (Network.INSTAGRAM, "/media_publish")]
)
def test_a_publish_accepted_then_timed_out_has_an_unknown_outcome(
    networks: Emulator,
    riverton: Riverton,
    settings: Settings,
    network: Network,
    path: str,
) -> None:
    settings.NETWORKS = {
        **settings.NETWORKS,
        network.value: {**settings.NETWORKS[network.value], "timeout_seconds": NETWORK_TIMEOUT},
    }
    networks.fault("accepted_timeout", network="facebook", path=path, hold_ms=TIMED_OUT_MS, count=1)

    with pytest.raises(OutcomeUnknownError):
        adapter_for(network).publish(credentials_of(riverton, network), publishable(network))

    [stored] = networks.posts(network=network.value, origin="account")
    assert stored["text"] == "Pools open Saturday"


@pytest.mark.parametrize("network", [Network.FACEBOOK, Network.INSTAGRAM])
def test_a_network_that_refuses_connections_is_transient(
    networks: Emulator, riverton: Riverton, settings: Settings, network: Network
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.NETWORKS = {
        **settings.NETWORKS,
        network.value: {
            **settings.NETWORKS[network.value],
            "api_url": f"http://127.0.0.1:{closed}",
        },
    }

    with pytest.raises(TransientNetworkError) as raised:
        adapter_for(network).publish(credentials_of(riverton, network), publishable(network))

    assert raised.value.rate_limited is False


@pytest.mark.parametrize(
    ("network", "text", "reason"),
    [
        (Network.FACEBOOK, "x" * 63207, "Param message must be at most 63206 characters long."),
        (Network.INSTAGRAM, "x" * 2201, "The caption is longer than 2200 characters."),
    ],
)
def test_a_post_the_network_refuses_fails_with_the_networks_reason(
    networks: Emulator, riverton: Riverton, network: Network, text: str, reason: str
) -> None:
    with pytest.raises(PermanentNetworkError) as raised:
        adapter_for(network).publish(credentials_of(riverton, network), publishable(network, text))

    assert raised.value.reason == f"{NAMES[network]} refused this: {reason}"
    assert raised.value.needs_reauthorisation is False
    assert networks.posts(network=network.value, origin="account") == []


def test_instagrams_daily_allowance_spent_defers_the_post(
    networks: Emulator, riverton: Riverton
) -> None:
    networks.configure(rate_limits={"facebook": {"limit": 1000, "window_seconds": 3600}})
    user = f"{GRAPH}/{riverton.instagram.remote_id}"
    form = {"access_token": riverton.instagram.access_token}

    def publish_directly(n: int) -> None:
        container = networks.http.post(
            f"{user}/media",
            data=form | {"image_url": "https://riverton.example/p.jpg", "caption": f"#{n}"},
        )
        answer = networks.http.post(
            f"{user}/media_publish", data=form | {"creation_id": container.json()["id"]}
        )
        answer.raise_for_status()

    # In parallel only to spend the allowance quickly; each post is published once.
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(publish_directly, range(INSTAGRAM_POSTS_PER_DAY)))

    with pytest.raises(TransientNetworkError) as raised:
        adapter_for(Network.INSTAGRAM).publish(riverton.instagram, publishable(Network.INSTAGRAM))

    assert raised.value.rate_limited is True
    assert len(networks.posts(network="instagram", origin="account")) == INSTAGRAM_POSTS_PER_DAY


# Validation ----------------------------------------------------------------------------


def codes(adapter: NetworkAdapter, post: OutgoingPost) -> list[str]:
    """Return the problem codes ``adapter`` finds in ``post``."""
    return [problem.code for problem in adapter.validate(post)]


def test_facebook_validation_follows_its_length_and_media_rules_to_the_limit(
    networks: Emulator,
) -> None:
    facebook = adapter_for(Network.FACEBOOK)
    ten_mb = image(size=10 * MB)

    assert codes(facebook, OutgoingPost(text="x" * 63206)) == []
    assert codes(facebook, OutgoingPost(text="x" * 63207)) == ["text_too_long"]
    assert codes(facebook, OutgoingPost(text="")) == ["empty"]
    assert codes(facebook, OutgoingPost(text="", link="https://riverton.example")) == []
    assert codes(facebook, OutgoingPost(text="Photos", media=(image(),) * 10)) == []
    assert codes(facebook, OutgoingPost(text="Photos", media=(image(),) * 11)) == ["too_many_media"]
    assert codes(facebook, OutgoingPost(text="Big", media=(ten_mb,))) == []
    assert codes(facebook, OutgoingPost(text="Big", media=(image(size=10 * MB + 1),))) == [
        "media_too_large"
    ]
    assert codes(facebook, OutgoingPost(text="Tiff", media=(image(mime="image/tiff"),))) == [
        "media_type"
    ]
    assert codes(facebook, OutgoingPost(text="Png", media=(image(mime="image/png"),))) == []
    assert codes(facebook, OutgoingPost(text="No alt", media=(image(alt=" "),))) == [
        "alt_text_missing"
    ]
    assert codes(facebook, OutgoingPost(text="Long alt", media=(image(alt="a" * 5000),))) == []


def test_instagram_validation_follows_its_caption_and_media_rules_to_the_limit(
    networks: Emulator,
) -> None:
    instagram = adapter_for(Network.INSTAGRAM)
    one = (image(),)
    thirty = " ".join(f"#tag{n}" for n in range(30))

    assert codes(instagram, OutgoingPost(text="x" * 2200, media=one)) == []
    assert codes(instagram, OutgoingPost(text="x" * 2201, media=one)) == ["text_too_long"]
    assert codes(instagram, OutgoingPost(text=thirty, media=one)) == []
    assert codes(instagram, OutgoingPost(text=thirty + " #more", media=one)) == [
        "too_many_hashtags"
    ]
    assert codes(instagram, OutgoingPost(text="Words only")) == ["media_required"]
    assert codes(instagram, OutgoingPost(text="Two", media=one * 2)) == ["too_many_media"]
    assert codes(instagram, OutgoingPost(text="Url", media=(image(url=""),))) == [
        "media_url_missing"
    ]
    assert codes(instagram, OutgoingPost(text="Png", media=(image(mime="image/png"),))) == [
        "media_type"
    ]
    assert codes(instagram, OutgoingPost(text="8 MB", media=(image(size=8 * MB),))) == []
    assert codes(instagram, OutgoingPost(text="Big", media=(image(size=8 * MB + 1),))) == [
        "media_too_large"
    ]
    assert codes(instagram, OutgoingPost(text="No alt", media=(image(alt=""),))) == [
        "alt_text_missing"
    ]


# Connecting ----------------------------------------------------------------------------


def authorise(connector: GraphConnector, *, handle: str, challenge: str = "") -> dict[str, str]:
    """Go through Facebook's dialog as a person choosing ``handle``; return the callback's
    query (``code``, ``state``)."""
    url = connector.authorize_url(redirect_uri=CALLBACK, state="state-1", code_challenge=challenge)
    with httpx.Client() as browser:
        page = browser.get(url)
        form = {
            unescape(name): unescape(value)
            for name, value in re.findall(
                r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page.text
            )
        }
        answer = browser.post(url, data=form | {"existing": handle, "decision": "authorise"})
    assert page.status_code == 200 and "pages_manage_posts" in page.text
    assert answer.status_code == 302 and answer.headers["location"].startswith(CALLBACK)
    return {k: v[0] for k, v in parse_qs(urlparse(answer.headers["location"]).query).items()}


def graph_connector(network: Network = Network.FACEBOOK) -> GraphConnector:
    """Return the registry's connector, typed as the Graph one."""
    connector = connector_for(network)
    assert isinstance(connector, GraphConnector)
    return connector


def test_facebook_login_connects_the_page_and_its_instagram_account(
    networks: Emulator, riverton: Riverton
) -> None:
    connector = graph_connector()
    verifier = "verifier-" + "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    callback = authorise(connector, handle="riverton", challenge=challenge.decode().rstrip("="))

    accounts = connector.connect(
        code=callback["code"], redirect_uri=CALLBACK, code_verifier=verifier
    )

    assert callback["state"] == "state-1"
    assert [(a.credentials.network, a.profile.remote_id, a.profile.handle) for a in accounts] == [
        (Network.FACEBOOK, riverton.facebook.remote_id, "riverton"),
        (Network.INSTAGRAM, riverton.instagram.remote_id, "riverton"),
    ]
    page, instagram = (a.credentials for a in accounts)
    assert page.extra == instagram.extra == {"page_id": riverton.facebook.remote_id}
    assert page.token_expires_at is None
    published = adapter_for(Network.FACEBOOK).publish(page, OutgoingPost(text="Connected"))
    assert networks.posts(network="facebook")[0]["id"] == published.remote_id
    adapter_for(Network.INSTAGRAM).publish(instagram, publishable(Network.INSTAGRAM))
    assert len(networks.posts(network="instagram")) == 1


@pytest.mark.parametrize("problem", ["unknown", "reused", "wrong_verifier"])
def test_a_code_facebook_does_not_accept_fails_the_connection(
    networks: Emulator, riverton: Riverton, problem: str
) -> None:
    connector = graph_connector()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"right").digest()).decode().rstrip("=")
    code = authorise(connector, handle="riverton", challenge=challenge)["code"]
    if problem == "reused":
        connector.connect(code=code, redirect_uri=CALLBACK, code_verifier="right")

    with pytest.raises(PermanentNetworkError, match="Start connecting the account again"):
        connector.connect(
            code="not-a-code" if problem == "unknown" else code,
            redirect_uri=CALLBACK,
            code_verifier="wrong" if problem == "wrong_verifier" else "right",
        )


@pytest.mark.parametrize("network", [Network.FACEBOOK, Network.INSTAGRAM])
def test_refresh_keeps_a_working_page_token_and_asks_to_reconnect_a_dead_one(
    networks: Emulator, riverton: Riverton, network: Network
) -> None:
    account = credentials_of(riverton, network)
    connector = graph_connector(network)

    kept = connector.refresh(account)
    networks.expire("facebook", "riverton")
    with pytest.raises(PermanentNetworkError) as raised:
        connector.refresh(account)

    # Graph's page tokens do not rotate: the same token goes on working until revoked.
    assert kept == account
    assert raised.value.needs_reauthorisation is True


@pytest.mark.parametrize("network", [Network.FACEBOOK, Network.INSTAGRAM])
def test_a_first_comment_goes_under_the_accounts_own_post_and_is_read_back(
    networks: Emulator, riverton: Riverton, network: Network
) -> None:
    account = credentials_of(riverton, network)
    adapter = adapter_for(network)
    post = adapter.publish(account, publishable(network)).remote_id
    citizen_says(networks, network.value, "First!", to=post)

    comment = adapter.comment(account, on=post, text="Details: https://riverton.example/pools")

    [stored] = networks.posts(network=network.value, origin="account", kind="reply")
    assert (stored["id"], stored["in_reply_to"]) == (comment.remote_id, post)
    [found] = adapter.fetch_comments(account, on=post)
    assert (found.remote_id, found.text) == (
        comment.remote_id,
        "Details: https://riverton.example/pools",
    )
