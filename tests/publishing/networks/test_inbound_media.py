"""The files citizens attach reach the inbox's items through each adapter, over HTTP
against the emulator, and download as they were attached."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from publishing.networks.base import (
    AccountCredentials,
    InboundMedia,
    InboundMediaKind,
    Network,
    OutgoingPost,
    PermanentNetworkError,
    TransientNetworkError,
)
from publishing.networks.graph.webhooks import pushed
from publishing.networks.registry import adapter_for
from tests.emulator_client import Emulator

PHOTO = b"\x89PNG\r\n\x1a\n" + b"citizen's photo" * 4
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40
MB = 1024 * 1024


def attach(content: bytes, mime: str = "image/png", alt: str = "") -> dict[str, Any]:
    """Return a file for the emulator's admin API to attach."""
    return {"content": base64.b64encode(content).decode(), "mime_type": mime, "alt": alt}


def credentials(networks: Emulator, network: str) -> AccountCredentials:
    """Return a new account's credentials on ``network`` (citizens quiet)."""
    networks.configure(citizens=False)
    handle = "riverton.bsky.social" if network == "bluesky" else "riverton"
    made = networks.account(network, handle, display_name="City of Riverton")
    if network == "bluesky":
        return AccountCredentials(
            Network.BLUESKY, made["did"], handle, made["accessJwt"], made["refreshJwt"]
        )
    if network == "facebook":
        return AccountCredentials(
            Network.FACEBOOK,
            made["id"],
            handle,
            made["page_access_token"],
            extra={"page_id": made["id"]},
        )
    return AccountCredentials(
        Network(network),
        made["id"],
        made["handle"],
        made["access_token"],
        made.get("refresh_token", ""),
    )


@pytest.mark.parametrize("network", ["x", "mastodon", "bluesky", "facebook"])
def test_a_citizens_reply_brings_its_image_with_its_alt_text_and_downloads_whole(
    networks: Emulator, network: str
) -> None:
    account = credentials(networks, network)
    adapter = adapter_for(network)
    post = adapter.publish(account, OutgoingPost(text="Road work on Elm")).remote_id
    text = "How long?" if network in ("facebook", "bluesky") else f"@{account.handle} How long?"
    networks.inbound(
        network=network,
        account=account.handle,
        kind="reply",
        in_reply_to=post,
        text=text,
        media=[attach(PHOTO, alt="A pothole on Elm Street")],
    )
    networks.inbound(
        network=network, account=account.handle, kind="reply", in_reply_to=post, text=text
    )

    items = adapter.fetch_inbound(account, cursor="").items

    with_media = [item for item in items if item.media]
    assert len(items) == 2 and len(with_media) == 1
    [media] = with_media[0].media
    assert media.kind == InboundMediaKind.IMAGE
    # Facebook's comment photo carries it as its description.
    assert media.alt_text == "A pothole on Elm Street"
    downloaded = adapter.download(account, url=media.url, max_bytes=MB)
    assert downloaded.content == PHOTO and downloaded.mime_type == "image/png"


@pytest.mark.parametrize("network", ["x", "mastodon", "facebook"])
def test_a_citizens_video_arrives_as_a_video(networks: Emulator, network: str) -> None:
    account = credentials(networks, network)
    adapter = adapter_for(network)
    kind = "mention" if network != "facebook" else "message"
    networks.inbound(
        network=network,
        account=account.handle,
        kind=kind,
        text=f"@{account.handle} look at the flooding",
        media=[attach(VIDEO, "video/mp4")],
    )

    [item] = adapter.fetch_inbound(account, cursor="").items

    [media] = item.media
    assert media.kind == InboundMediaKind.VIDEO
    assert adapter.download(account, url=media.url, max_bytes=MB).content == VIDEO


def test_a_facebook_message_brings_each_of_its_images(networks: Emulator) -> None:
    account = credentials(networks, "facebook")
    adapter = adapter_for(Network.FACEBOOK)
    networks.inbound(
        network="facebook",
        account="riverton",
        kind="message",
        text="Two photos of the leak",
        media=[attach(PHOTO), attach(PHOTO + b"2", "image/png")],
    )

    [item] = adapter.fetch_inbound(account, cursor="").items

    assert [(m.kind, m.mime_type) for m in item.media] == [
        (InboundMediaKind.IMAGE, "image/png"),
        (InboundMediaKind.IMAGE, "image/png"),
    ]
    assert adapter.download(account, url=item.media[1].url, max_bytes=MB).content == PHOTO + b"2"


def test_facebook_pushes_name_the_files_of_messages_and_comments(networks: Emulator) -> None:
    account = credentials(networks, "facebook")
    post = adapter_for(Network.FACEBOOK).publish(account, OutgoingPost(text="Elm")).remote_id
    message = networks.inbound(
        network="facebook", account="riverton", kind="message", text="Leak", media=[attach(PHOTO)]
    )
    comment = networks.inbound(
        network="facebook",
        account="riverton",
        kind="reply",
        in_reply_to=post,
        text="Here",
        media=[attach(PHOTO)],
    )
    body = {
        "object": "page",
        "entry": [
            {
                "id": account.remote_id,
                "time": 1,
                "messaging": [
                    {
                        "sender": {"id": "1"},
                        "timestamp": 1000,
                        "message": {
                            "mid": message["id"],
                            "text": "Leak",
                            "attachments": [
                                {"type": "image", "payload": {"url": "https://cdn.example/a.png"}}
                            ],
                        },
                    }
                ],
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": comment["id"],
                            "post_id": post,
                            "from": {"id": "1"},
                            "message": "Here",
                            "photo": "https://cdn.example/b.jpg",
                        },
                    }
                ],
            }
        ],
    }

    [found] = pushed(body)

    assert {item.remote_id: item.media for item in found.items} == {
        message["id"]: (InboundMedia(url="https://cdn.example/a.png"),),
        comment["id"]: (InboundMedia(url="https://cdn.example/b.jpg"),),
    }


def test_a_download_too_large_gone_or_failing_says_which(networks: Emulator) -> None:
    account = credentials(networks, "mastodon")
    adapter = adapter_for(Network.MASTODON)
    networks.inbound(
        network="mastodon", account="riverton", kind="mention", text="@riverton hi",
        media=[attach(PHOTO)],
    )  # fmt: skip
    [item] = adapter.fetch_inbound(account, cursor="").items
    url = item.media[0].url

    with pytest.raises(PermanentNetworkError, match="larger than"):
        adapter.download(account, url=url, max_bytes=10)
    with pytest.raises(PermanentNetworkError, match="404"):
        adapter.download(account, url=url + "0", max_bytes=MB)
    with pytest.raises(PermanentNetworkError, match="not a web address"):
        adapter.download(account, url="file:///etc/passwd", max_bytes=MB)
    networks.fault("server_error", network="mastodon", path="/media/", count=1)
    with pytest.raises(TransientNetworkError):
        adapter.download(account, url=url, max_bytes=MB)
    assert adapter.download(account, url=url, max_bytes=MB).content == PHOTO


def test_instagram_refuses_media_on_a_comment(networks: Emulator) -> None:
    account = credentials(networks, "facebook")
    networks.configure(citizens=False)
    answer = networks.http.post(
        "/_emulator/inbound",
        json={
            "network": "instagram",
            "account": account.handle,
            "kind": "message",
            "text": "hi",
            "media": [attach(PHOTO)],
        },
    )
    assert answer.status_code == 400
