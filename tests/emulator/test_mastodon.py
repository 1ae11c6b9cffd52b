"""Mastodon through Mastodon.py: statuses, media, replies, mentions, limits and OAuth."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonRatelimitError, MastodonUnauthorizedError

from tests.emulator.clients import mastodon_client
from tests.emulator_client import Emulator

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture
def client(emulator: Emulator) -> Mastodon:
    """Return Mastodon.py signed in as @riverton."""
    account = emulator.account("mastodon", "riverton")
    return mastodon_client(emulator, account["access_token"])


def test_a_status_with_media_reaches_the_network(emulator: Emulator, client: Mastodon) -> None:
    media = client.media_post(
        io.BytesIO(PNG), mime_type="image/png", description="Map of the closure"
    )
    status = client.status_post("Main Street is closed this weekend", media_ids=[media])
    me = client.account_verify_credentials()

    assert status.media_attachments[0].description == "Map of the closure"
    assert [s.id for s in client.account_statuses(me)] == [status.id]
    stored = emulator.posts(network="mastodon", account="riverton", origin="account")
    assert stored[0]["media"][0]["alt"] == "Map of the closure"


def test_replies_and_mentions_are_readable(emulator: Emulator, client: Mastodon) -> None:
    emulator.configure(citizens=False)
    status = client.status_post("Pools open on Saturday")
    emulator.inbound(
        network="mastodon",
        account="riverton",
        kind="reply",
        text="@riverton which pools?",
        in_reply_to=status.id,
    )
    emulator.inbound(
        network="mastodon", account="riverton", kind="mention", text="@riverton thanks!"
    )

    context = client.status_context(status)
    mentions = client.notifications(types=["mention"])

    assert [d.content for d in context.descendants] == ["<p>@riverton which pools?</p>"]
    assert [n.status.content for n in mentions] == [
        "<p>@riverton thanks!</p>",
        "<p>@riverton which pools?</p>",
    ]
    assert mentions[0].account.acct == "amara_okafor@town.example"


def test_a_private_message_arrives_as_a_direct_mention(
    emulator: Emulator, client: Mastodon
) -> None:
    emulator.configure(citizens=False)
    emulator.inbound(
        network="mastodon", account="riverton", kind="message", text="@riverton my address is…"
    )
    emulator.inbound(network="mastodon", account="riverton", kind="mention", text="@riverton hi")

    mentions = client.notifications(types=["mention"])

    assert [(n.type, n.status.visibility) for n in mentions] == [
        ("mention", "public"),
        ("mention", "direct"),
    ]


def test_notifications_page_forward_with_min_id(emulator: Emulator, client: Mastodon) -> None:
    emulator.configure(citizens=False)
    ids = [
        emulator.inbound(
            network="mastodon", account="riverton", kind="mention", text=f"@riverton q{n}"
        )["id"]
        for n in range(3)
    ]

    newer = client.notifications(min_id=ids[0])
    older = client.notifications(max_id=ids[2])

    assert sorted(n.id for n in newer) == ids[1:]
    assert sorted(n.id for n in older) == ids[:2]


def test_the_500_character_limit_counts_urls_as_23(emulator: Emulator, client: Mastodon) -> None:
    url = "https://riverton.example/" + "a" * 300
    client.status_post("x" * 476 + " " + url)  # 476 + 1 + 23 = 500

    with pytest.raises(MastodonAPIError, match="character limit of 500"):
        client.status_post("x" * 501)
    assert len(emulator.posts(network="mastodon", origin="account")) == 1


def test_media_limits_are_enforced(client: Mastodon) -> None:
    five = [client.media_post(io.BytesIO(PNG), mime_type="image/png") for _ in range(5)]

    with pytest.raises(MastodonAPIError, match="more than 4"):
        client.status_post("Five photos", media_ids=five)
    with pytest.raises(MastodonAPIError, match="content type is invalid"):
        client.media_post(io.BytesIO(b"%PDF-1.7"), mime_type="application/pdf")


def test_a_video_is_refused_until_it_has_finished_processing(client: Mastodon) -> None:
    video = client.media_post(io.BytesIO(b"\x00\x00\x00\x18ftypmp42"), mime_type="video/mp4")

    with pytest.raises(MastodonAPIError, match="not finished processing"):
        client.status_post("The mayor's address", media_ids=[video])
    processed = client.media(video)
    status = client.status_post("The mayor's address", media_ids=[processed])

    assert video.url is None and processed.url is not None
    assert status.media_attachments[0].type == "video"


def test_an_idempotency_key_publishes_once(emulator: Emulator, client: Mastodon) -> None:
    first = client.status_post("Boil-water advisory lifted", idempotency_key="target-17")
    again = client.status_post("Boil-water advisory lifted", idempotency_key="target-17")

    assert first.id == again.id
    assert len(emulator.posts(network="mastodon", origin="account")) == 1


def test_deleting_a_status_removes_it(emulator: Emulator, client: Mastodon) -> None:
    status = client.status_post("Oops")
    client.status_delete(status)

    assert emulator.posts(network="mastodon", origin="account") == []


def test_rate_limit_headers_are_iso_times_and_429_when_spent(
    emulator: Emulator, client: Mastodon
) -> None:
    emulator.configure(rate_limits={"mastodon": {"limit": 2, "window_seconds": 300}})
    client.account_verify_credentials()

    assert client.ratelimit_limit == 2 and client.ratelimit_remaining == 1
    assert client.ratelimit_reset > datetime.now(UTC).timestamp()
    client.account_verify_credentials()
    with pytest.raises(MastodonRatelimitError):
        client.account_verify_credentials()


def test_oauth_code_flow_through_mastodon_py(emulator: Emulator) -> None:
    base = emulator.url("/mastodon")
    redirect = "http://127.0.0.1:8000/connect/mastodon/callback"
    client_id, secret = Mastodon.create_app(
        "govsocial", api_base_url=base, redirect_uris=redirect, scopes=["read", "write"]
    )
    app = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base)
    url = app.auth_request_url(
        redirect_uris=redirect, scopes=["read", "write"], state="s-7", allow_http=True
    )
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}

    page = emulator.http.get(urlparse(url).path, params=query)
    answer = emulator.http.post(
        urlparse(url).path, data=query | {"handle": "riverton", "decision": "authorise"}
    )
    code = parse_qs(urlparse(answer.headers["location"]).query)["code"][0]
    token = app.log_in(code=code, redirect_uri=redirect, scopes=["read", "write"], allow_http=True)

    assert page.status_code == 200
    assert mastodon_client(emulator, token).account_verify_credentials().username == "riverton"
    emulator.expire("mastodon", "riverton")
    with pytest.raises(MastodonUnauthorizedError):
        mastodon_client(emulator, token).account_verify_credentials()


def test_authorisation_refuses_an_unregistered_redirect(emulator: Emulator) -> None:
    client_id, _ = Mastodon.create_app(
        "govsocial", api_base_url=emulator.url("/mastodon"), redirect_uris="http://a.example/cb"
    )
    page = emulator.http.get(
        "/mastodon/oauth/authorize",
        params={
            "client_id": client_id,
            "redirect_uri": "http://evil.example/cb",
            "response_type": "code",
        },
    )

    assert page.status_code == 400 and "redirect uri" in page.text


def test_a_registered_app_outlives_a_reset_as_a_deployment_registers_once(
    emulator: Emulator,
) -> None:
    redirect = "http://a.example/cb"
    client_id, _ = Mastodon.create_app(
        "govsocial", api_base_url=emulator.url("/mastodon"), redirect_uris=redirect
    )
    emulator.reset()
    page = emulator.http.get(
        "/mastodon/oauth/authorize",
        params={"client_id": client_id, "redirect_uri": redirect, "response_type": "code"},
    )

    assert page.status_code == 200, page.text
