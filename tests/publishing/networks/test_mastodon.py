"""The Mastodon adapter and connector, over Mastodon.py and HTTP, against the emulator."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import socket
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from publishing.networks.base import (
    AccountCredentials,
    AccountProfile,
    InboundKind,
    MediaItem,
    Network,
    OutcomeUnknownError,
    OutgoingPost,
    PermanentNetworkError,
    TransientNetworkError,
)
from publishing.networks.limits import MB
from publishing.networks.mastodon.adapter import NOTIFICATIONS_PAGE
from publishing.networks.registry import adapter_for, connector_for
from tests.conftest import MASTODON_CALLBACK
from tests.emulator.clients import mastodon_client
from tests.emulator_client import Emulator
from tests.publishing.delivery import NETWORK_TIMEOUT, TIMED_OUT_MS

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"0" * 32
LONG_URL = "https://riverton.example/" + "a" * 300


def credentials(emulator: Emulator) -> AccountCredentials:
    """Return the credentials of @riverton, a Mastodon account on the emulator."""
    account = emulator.account("mastodon", "riverton", display_name="City of Riverton")
    return AccountCredentials(
        network=Network.MASTODON,
        remote_id=account["id"],
        handle=account["handle"],
        access_token=account["access_token"],
    )


def image(alt: str = "Map of the closure", size: int = len(PNG)) -> MediaItem:
    """Return a PNG of ``size`` bytes."""
    return MediaItem(content=PNG.ljust(size, b"0"), mime_type="image/png", alt_text=alt)


def stored(emulator: Emulator) -> dict[str, dict[str, Any]]:
    """Return @riverton's own posts on the emulator by id."""
    posts = emulator.posts(network="mastodon", account="riverton", origin="account")
    return {post["id"]: post for post in posts}


def citizen_writes(emulator: Emulator, kind: str, text: str, **fields: Any) -> dict[str, Any]:
    """Have a citizen write to @riverton: a reply, a mention or a private message."""
    return emulator.inbound(network="mastodon", account="riverton", kind=kind, text=text, **fields)


@pytest.fixture
def quiet(networks: Emulator) -> Emulator:
    """Return the emulator with its citizens silent: only the test writes to accounts."""
    networks.configure(citizens=False)
    return networks


def mastodon_settings(settings: Any, **changes: Any) -> None:
    """Change the Mastodon configuration the networks fixture made, for one test."""
    settings.NETWORKS = {**settings.NETWORKS, "mastodon": settings.NETWORKS["mastodon"] | changes}


# Publishing ---------------------------------------------------------------------------


def test_a_text_post_is_published_with_its_remote_id_and_permalink(networks: Emulator) -> None:
    published = adapter_for(Network.MASTODON).publish(
        credentials(networks), OutgoingPost("Main Street is closed this weekend")
    )

    [post] = stored(networks).values()
    assert published.remote_id == post["id"]
    assert post["text"] == "Main Street is closed this weekend"
    page, _, anchor = published.permalink.partition("#")
    assert f'id="{anchor}"' in httpx.get(page).text
    assert published.published_at is not None and published.published_at.tzinfo is not None


def test_a_post_with_media_carries_each_files_alt_text_to_the_network(networks: Emulator) -> None:
    post = OutgoingPost(
        "Detour map", media=(image("Map of the detour"), image("Photo of the closed bridge"))
    )

    published = adapter_for(Network.MASTODON).publish(credentials(networks), post)

    media = stored(networks)[published.remote_id]["media"]
    assert [(m["type"], m["alt"]) for m in media] == [
        ("image/png", "Map of the detour"),
        ("image/png", "Photo of the closed bridge"),
    ]


def test_a_video_is_attached_once_the_network_has_processed_it(networks: Emulator) -> None:
    video = MediaItem(content=MP4, mime_type="video/mp4", alt_text="The mayor's address")

    published = adapter_for(Network.MASTODON).publish(
        credentials(networks), OutgoingPost("Watch the address", media=(video,))
    )

    assert stored(networks)[published.remote_id]["media"][0]["type"] == "video/mp4"


def test_publishing_the_same_post_again_returns_the_status_already_published(
    networks: Emulator,
) -> None:
    adapter = adapter_for(Network.MASTODON)
    account = credentials(networks)
    post = OutgoingPost("Boil-water advisory lifted", media=(image(),))

    first = adapter.publish(account, post)
    again = adapter.publish(account, post)
    other = adapter.publish(
        account, OutgoingPost("Boil-water advisory lifted", media=(image("Other"),))
    )

    assert first.remote_id == again.remote_id != other.remote_id
    assert len(stored(networks)) == 2


def test_a_link_is_published_after_the_text(networks: Emulator) -> None:
    published = adapter_for(Network.MASTODON).publish(
        credentials(networks), OutgoingPost("Read the notice", link="https://riverton.example/n")
    )

    assert stored(networks)[published.remote_id]["text"] == (
        "Read the notice\n\nhttps://riverton.example/n"
    )


def test_a_deleted_post_is_gone_and_deleting_it_again_counts_as_removed(
    networks: Emulator,
) -> None:
    adapter = adapter_for(Network.MASTODON)
    account = credentials(networks)
    published = adapter.publish(account, OutgoingPost("Oops"))

    adapter.delete(account, published.remote_id)
    adapter.delete(account, published.remote_id)

    assert stored(networks) == {}


# Reading ----------------------------------------------------------------------------------


def test_recent_posts_since_a_time_come_newest_first_with_their_replies(quiet: Emulator) -> None:
    adapter = adapter_for(Network.MASTODON)
    account = credentials(quiet)
    before = adapter.publish(account, OutgoingPost("Before"))
    since = adapter.publish(account, OutgoingPost("Since"))
    mention = citizen_writes(quiet, "mention", "@riverton hi")
    reply = adapter.reply(account, in_reply_to=mention["id"], text="Hello!")
    assert since.published_at is not None and before.published_at is not None
    assert before.published_at < since.published_at

    recent = adapter.fetch_recent(account, since=since.published_at)

    assert [(p.remote_id, p.text) for p in recent] == [
        (reply.remote_id, "@amara_okafor@town.example Hello!"),
        (since.remote_id, "Since"),
    ]
    assert recent[1].permalink == since.permalink
    assert recent[1].created_at == since.published_at


def test_replies_mentions_and_messages_arrive_once_each_past_the_cursor(quiet: Emulator) -> None:
    adapter = adapter_for(Network.MASTODON)
    account = credentials(quiet)
    post = adapter.publish(account, OutgoingPost("Pools open on Saturday"))
    earlier = citizen_writes(quiet, "mention", "@riverton thanks!")
    first = adapter.fetch_inbound(account, cursor="")
    reply = citizen_writes(
        quiet,
        "reply",
        "@riverton which pools?",
        in_reply_to=post.remote_id,
        citizen="ben_tremblay",
    )
    message = citizen_writes(quiet, "message", "@riverton my address…")

    second = adapter.fetch_inbound(account, cursor=first.cursor)
    third = adapter.fetch_inbound(account, cursor=second.cursor)

    assert [(i.remote_id, i.kind) for i in first.items] == [(earlier["id"], InboundKind.MENTION)]
    assert [(i.remote_id, i.kind) for i in second.items] == [
        (message["id"], InboundKind.MESSAGE),
        (reply["id"], InboundKind.REPLY),
    ]
    answer = second.items[1]
    assert (answer.author_handle, answer.author_name, answer.text) == (
        "ben_tremblay@town.example",
        "Ben Tremblay",
        "@riverton which pools?",
    )
    assert answer.in_reply_to_remote_id == post.remote_id
    assert answer.created_at.tzinfo is not None and answer.permalink.startswith(quiet.base_url)
    assert (third.items, third.cursor) == ((), second.cursor)


def test_more_inbound_items_than_one_page_arrive_without_a_gap(quiet: Emulator) -> None:
    adapter = adapter_for(Network.MASTODON)
    account = credentials(quiet)
    citizen_writes(quiet, "mention", "@riverton first")
    cursor = adapter.fetch_inbound(account, cursor="").cursor
    ids = [
        citizen_writes(quiet, "mention", f"@riverton {n}")["id"]
        for n in range(NOTIFICATIONS_PAGE + 1)
    ]

    page = adapter.fetch_inbound(account, cursor=cursor)

    assert [i.remote_id for i in page.items] == ids[::-1]
    assert page.cursor == ids[-1]


def test_reading_items_again_gives_their_edited_text_and_leaves_out_the_deleted(
    quiet: Emulator,
) -> None:
    adapter = adapter_for(Network.MASTODON)
    account = credentials(quiet)
    kept, edited, deleted = (
        citizen_writes(quiet, "mention", f"@riverton {text}")["id"]
        for text in ("thanks", "the bus is late", "spam")
    )
    quiet.edit("mastodon", edited, "@riverton the 7 bus is 20 minutes late")
    quiet.delete("mastodon", deleted)

    found = adapter.fetch_current(account, remote_ids=[kept, edited, deleted])

    assert [(post.remote_id, post.text) for post in found] == [
        (kept, "@riverton thanks"),
        (edited, "@riverton the 7 bus is 20 minutes late"),
    ]


def test_a_reply_mentions_the_citizen_and_a_reply_to_a_message_stays_private(
    quiet: Emulator,
) -> None:
    adapter = adapter_for(Network.MASTODON)
    account = credentials(quiet)
    question = citizen_writes(quiet, "mention", "@riverton open?")
    message = citizen_writes(quiet, "message", "@riverton my street floods")

    public = adapter.reply(account, in_reply_to=question["id"], text="Yes, from 9 to 5.")
    private = adapter.reply(account, in_reply_to=message["id"], text="A crew is on its way.")

    posts = stored(quiet)
    assert posts[public.remote_id]["text"] == "@amara_okafor@town.example Yes, from 9 to 5."
    assert posts[public.remote_id]["in_reply_to"] == question["id"]
    assert posts[private.remote_id]["in_reply_to"] == message["id"]
    reader = mastodon_client(quiet, account.access_token)
    assert reader.status(public.remote_id).visibility == "public"
    assert reader.status(private.remote_id).visibility == "direct"


def test_hiding_a_reply_is_refused_with_a_reason(networks: Emulator) -> None:
    with pytest.raises(PermanentNetworkError, match="Mastodon cannot hide replies") as refused:
        adapter_for(Network.MASTODON).hide(credentials(networks), "113000000000000001", hidden=True)

    assert not refused.value.needs_reauthorisation


def test_the_profile_names_the_account_the_token_belongs_to(networks: Emulator) -> None:
    account = credentials(networks)

    profile = adapter_for(Network.MASTODON).profile(account)

    assert profile == AccountProfile(
        remote_id=account.remote_id,
        handle="riverton",
        display_name="City of Riverton",
        avatar_url=networks.url("/avatars/mastodon/riverton.png"),
    )


# Faults ------------------------------------------------------------------------------------


def test_a_server_error_is_transient(networks: Emulator) -> None:
    networks.fault("server_error", network="mastodon", status=502)

    with pytest.raises(TransientNetworkError) as failed:
        adapter_for(Network.MASTODON).publish(credentials(networks), OutgoingPost("Hello"))

    assert (failed.value.status, failed.value.rate_limited) == (502, False)
    assert stored(networks) == {}


def test_a_rate_limit_is_transient_until_the_networks_reset_time(networks: Emulator) -> None:
    networks.fault("rate_limit", network="mastodon", reset_in=120)

    started = time.monotonic()
    with pytest.raises(TransientNetworkError) as limited:
        adapter_for(Network.MASTODON).publish(credentials(networks), OutgoingPost("Hello"))
    took = time.monotonic() - started

    assert limited.value.rate_limited
    # Mastodon.py moves the reset by the server's clock as its Date header says it, in
    # whole seconds and stamped before the answer travelled: up to two seconds more,
    # and however long the call took on a loaded machine.
    assert limited.value.retry_after is not None
    assert 110 < limited.value.retry_after <= 122 + took


def test_an_expired_token_needs_reauthorisation(networks: Emulator) -> None:
    account = credentials(networks)
    networks.fault("token_expired", network="mastodon")

    with pytest.raises(PermanentNetworkError) as refused:
        adapter_for(Network.MASTODON).publish(account, OutgoingPost("Hello"))

    assert refused.value.needs_reauthorisation
    assert "Reconnect the account" in refused.value.reason
    assert account.access_token not in str(refused.value)


def test_a_post_accepted_but_never_answered_has_an_unknown_outcome(
    networks: Emulator, settings: Any
) -> None:
    mastodon_settings(settings, timeout_seconds=NETWORK_TIMEOUT)
    networks.fault(
        "accepted_timeout",
        network="mastodon",
        method="POST",
        path="/statuses",
        hold_ms=TIMED_OUT_MS,
    )

    with pytest.raises(OutcomeUnknownError):
        adapter_for(Network.MASTODON).publish(credentials(networks), OutgoingPost("Hello"))

    assert [p["text"] for p in stored(networks).values()] == ["Hello"]


def test_an_unreachable_instance_is_transient(networks: Emulator, settings: Any) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    mastodon_settings(settings, api_url=f"http://127.0.0.1:{port}/mastodon")

    with pytest.raises(TransientNetworkError, match="could not be reached"):
        adapter_for(Network.MASTODON).publish(credentials(networks), OutgoingPost("Hello"))


def test_a_post_the_network_refuses_fails_with_its_reason(networks: Emulator) -> None:
    with pytest.raises(PermanentNetworkError) as refused:
        adapter_for(Network.MASTODON).publish(credentials(networks), OutgoingPost("x" * 501))

    assert refused.value.reason == (
        "Mastodon refused the request: Validation failed: Text character limit of 500 exceeded"
    )
    assert (refused.value.status, refused.value.needs_reauthorisation) == (422, False)


# Validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("post", "problems"),
    [
        pytest.param(OutgoingPost("x" * 500), [], id="500 characters"),
        pytest.param(OutgoingPost("x" * 501), ["too_long"], id="501 characters"),
        pytest.param(OutgoingPost("x" * 476 + " " + LONG_URL), [], id="a URL counts 23"),
        pytest.param(OutgoingPost("x" * 477 + " " + LONG_URL), ["too_long"], id="URL one over"),
        pytest.param(OutgoingPost("x" * 475, link=LONG_URL), [], id="link after two newlines"),
        pytest.param(OutgoingPost("x" * 476, link=LONG_URL), ["too_long"], id="link one over"),
        pytest.param(OutgoingPost(" "), ["empty"], id="empty"),
        pytest.param(OutgoingPost("", media=(image(),)), [], id="media without text"),
        pytest.param(OutgoingPost("4", media=(image(),) * 4), [], id="4 files"),
        pytest.param(OutgoingPost("5", media=(image(),) * 5), ["too_many_media"], id="5 files"),
        pytest.param(OutgoingPost("16", media=(image(size=16 * MB),)), [], id="16 MB image"),
        pytest.param(
            OutgoingPost("big", media=(image(size=16 * MB + 1),)),
            ["media_too_large"],
            id="one byte over 16 MB",
        ),
        pytest.param(
            OutgoingPost("pdf", media=(MediaItem(b"%PDF-1.7", "application/pdf", "Notice"),)),
            ["media_type"],
            id="a PDF",
        ),
        pytest.param(
            OutgoingPost("two", media=(image(), MediaItem(MP4, "video/mp4", "Clip"))),
            ["video_not_alone"],
            id="a video beside an image",
        ),
        pytest.param(
            OutgoingPost("no alt", media=(image(" "),)), ["alt_text_missing"], id="no alt"
        ),
        pytest.param(OutgoingPost("alt", media=(image("a" * 1500),)), [], id="alt of 1500"),
        pytest.param(
            OutgoingPost("alt", media=(image("a" * 1501),)), ["alt_text_too_long"], id="alt of 1501"
        ),
    ],
)
def test_validate_applies_mastodons_length_and_media_rules(
    post: OutgoingPost, problems: list[str]
) -> None:
    found = adapter_for(Network.MASTODON).validate(post)

    assert [p.code for p in found] == problems
    assert all(p.message for p in found)


# Connecting ---------------------------------------------------------------------------------


def pkce() -> tuple[str, str]:
    """Return a PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def authorise(url: str, handle: str) -> dict[str, list[str]]:
    """Approve govsocial on the authorisation page at ``url`` as ``handle``, as a person
    would; return the query of the redirect back to govsocial."""
    with httpx.Client() as browser:
        page = browser.get(url)
        page.raise_for_status()
        hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
        form = {name: html.unescape(value) for name, value in hidden}
        answer = browser.post(
            url.partition("?")[0], data=form | {"handle": handle, "decision": "authorise"}
        )
    location = answer.headers["location"]
    assert location.startswith(MASTODON_CALLBACK)
    return parse_qs(urlparse(location).query)


def test_an_account_connects_through_the_authorisation_page(
    networks: Emulator, settings: Any
) -> None:
    connector = connector_for(Network.MASTODON)
    verifier, challenge = pkce()

    url = connector.authorize_url(
        redirect_uri=MASTODON_CALLBACK, state="state-42", code_challenge=challenge
    )
    answer = authorise(url, "riverton")
    [account] = connector.connect(
        code=answer["code"][0], redirect_uri=MASTODON_CALLBACK, code_verifier=verifier
    )

    assert answer["state"] == ["state-42"]
    assert settings.NETWORKS["mastodon"]["client_secret"] not in url
    [remote] = networks.accounts("mastodon")
    assert (account.profile.remote_id, account.profile.handle) == (remote["id"], "riverton")
    assert account.credentials.remote_id == remote["id"]
    assert account.credentials.extra == {"instance_url": networks.url("/mastodon")}
    assert account.scopes == ("read", "write")
    assert adapter_for(Network.MASTODON).profile(account.credentials) == account.profile


def test_a_made_up_code_or_a_wrong_verifier_does_not_connect(networks: Emulator) -> None:
    connector = connector_for(Network.MASTODON)
    _, challenge = pkce()
    url = connector.authorize_url(
        redirect_uri=MASTODON_CALLBACK, state="s", code_challenge=challenge
    )
    code = authorise(url, "riverton")["code"][0]

    for attempt in ("made-up", code):
        with pytest.raises(PermanentNetworkError, match="Start connecting the account again"):
            connector.connect(code=attempt, redirect_uri=MASTODON_CALLBACK, code_verifier="wrong")


def test_a_refresh_keeps_the_token_until_it_is_revoked(networks: Emulator) -> None:
    connector = connector_for(Network.MASTODON)
    account = credentials(networks)

    assert connector.refresh(account) == account
    networks.expire("mastodon", "riverton")
    with pytest.raises(PermanentNetworkError) as refused:
        connector.refresh(account)

    assert refused.value.needs_reauthorisation


def test_connecting_without_an_app_configured_is_refused_with_a_reason(
    networks: Emulator, settings: Any
) -> None:
    mastodon_settings(settings, client_id="", client_secret="")

    with pytest.raises(PermanentNetworkError, match="Mastodon is not configured"):
        connector_for(Network.MASTODON).authorize_url(
            redirect_uri=MASTODON_CALLBACK, state="s", code_challenge="c"
        )


def test_an_account_connected_on_another_instance_must_be_reconnected(
    networks: Emulator,
) -> None:
    account = credentials(networks)
    elsewhere = AccountCredentials(
        network=Network.MASTODON,
        remote_id=account.remote_id,
        handle=account.handle,
        access_token=account.access_token,
        extra={"instance_url": "https://mastodon.example"},
    )

    with pytest.raises(
        PermanentNetworkError, match=r"connected on https://mastodon\.example"
    ) as refused:
        adapter_for(Network.MASTODON).publish(elsewhere, OutgoingPost("Hello"))

    assert refused.value.needs_reauthorisation
    assert stored(networks) == {}
