"""X API v2 through tweepy: publishing, reading, limits, media and OAuth 2.0 with PKCE."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import tweepy

from tests.emulator.clients import x_client
from tests.emulator_client import Emulator


@pytest.fixture
def riverton(emulator: Emulator) -> dict[str, str]:
    """Return an X account with tokens."""
    return emulator.account("x", "riverton")


def test_a_post_reaches_the_network_and_reads_back(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    client = x_client(emulator, riverton["access_token"])
    created = client.create_tweet(text="Main Street is closed this weekend", user_auth=False)
    me = client.get_me(user_auth=False)
    timeline = client.get_users_tweets(me.data.id, user_auth=False, tweet_fields=["created_at"])

    assert [t.id for t in timeline.data] == [int(created.data["id"])]
    assert timeline.data[0].created_at is not None
    stored = emulator.posts(network="x", account="riverton", origin="account")
    assert [p["text"] for p in stored] == ["Main Street is closed this weekend"]


def test_replies_and_mentions_are_readable(emulator: Emulator, riverton: dict[str, str]) -> None:
    client = x_client(emulator, riverton["access_token"])
    created = client.create_tweet(text="Pools open on Saturday", user_auth=False)
    emulator.inbound(
        network="x",
        account="riverton",
        kind="reply",
        text="Which pools?",
        in_reply_to=created.data["id"],
    )
    emulator.inbound(network="x", account="riverton", kind="message", text="A private word")

    replies = client.search_recent_tweets(f"conversation_id:{created.data['id']}", user_auth=False)
    mentions = client.get_users_mentions(riverton["id"], user_auth=False, expansions=["author_id"])

    assert "Which pools?" in [t.text for t in replies.data]
    assert "Which pools?" in [t.text for t in mentions.data]
    assert "A private word" not in [t.text for t in mentions.data]
    assert {u.username for u in mentions.includes["users"]} >= {"amara_okafor"}


def test_mentions_page_with_next_token_and_since_id(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    emulator.configure(citizens=False)
    for number in range(7):
        emulator.inbound(
            network="x", account="riverton", kind="mention", text=f"@riverton question {number}"
        )
    client = x_client(emulator, riverton["access_token"])

    first = client.get_users_mentions(riverton["id"], user_auth=False, max_results=5)
    second = client.get_users_mentions(
        riverton["id"], user_auth=False, max_results=5, pagination_token=first.meta["next_token"]
    )
    newer = client.get_users_mentions(riverton["id"], user_auth=False, since_id=first.data[1].id)

    assert len(first.data) == 5 and len(second.data) == 2
    assert "next_token" not in second.meta
    assert [t.text for t in newer.data] == ["@riverton question 6"]


def test_weighted_length_counts_urls_as_23_and_cjk_as_2(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    client = x_client(emulator, riverton["access_token"])
    url = "https://www.riverton.ca/" + "a" * 200
    client.create_tweet(text="x" * 256 + " " + url, user_auth=False)  # 256 + 1 + 23 = 280
    client.create_tweet(text="市" * 140, user_auth=False)  # 140 x 2 = 280

    with pytest.raises(tweepy.BadRequest, match="text is too long"):
        client.create_tweet(text="市" * 141, user_auth=False)
    assert len(emulator.posts(network="x", origin="account")) == 2


def test_directional_marks_around_a_link_count_2_each_and_are_not_part_of_it(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    client = x_client(emulator, riverton["access_token"])
    link = "\u2066https://www.riverton.ca/roads\u2069"  # isolates a right-to-left editor adds
    client.create_tweet(text="x" * 252 + " " + link, user_auth=False)  # 252 + 1 + 2 + 23 + 2

    with pytest.raises(tweepy.BadRequest, match="text is too long"):
        client.create_tweet(text="y" * 253 + " " + link, user_auth=False)


def test_a_link_whose_domain_is_not_a_valid_one_counts_every_character(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    client = x_client(emulator, riverton["access_token"])
    long_label = "https://" + "a" * 64 + ".ca/roads"  # 81: DNS labels stop at 63
    bad_punycode = "https://xn--zz.ca/closures/main"  # 31: "zz" is not punycode
    client.create_tweet(text="x" * 198 + " " + long_label, user_auth=False)  # 198 + 1 + 81

    with pytest.raises(tweepy.BadRequest, match="text is too long"):
        client.create_tweet(text="y" * 199 + " " + long_label, user_auth=False)
    with pytest.raises(tweepy.BadRequest, match="text is too long"):  # 274 were it a link
        client.create_tweet(text="z" * 250 + " " + bad_punycode, user_auth=False)


def test_duplicate_text_is_refused(emulator: Emulator, riverton: dict[str, str]) -> None:
    client = x_client(emulator, riverton["access_token"])
    client.create_tweet(text="Snow day", user_auth=False)

    with pytest.raises(tweepy.Forbidden, match="duplicate content"):
        client.create_tweet(text="Snow day", user_auth=False)


def test_deleted_post_is_gone(emulator: Emulator, riverton: dict[str, str]) -> None:
    client = x_client(emulator, riverton["access_token"])
    created = client.create_tweet(text="Oops", user_auth=False)

    assert client.delete_tweet(created.data["id"], user_auth=False).data == {"deleted": True}
    assert client.get_tweet(created.data["id"], user_auth=False).data is None
    assert emulator.posts(network="x", origin="account") == []


def _upload(emulator: Emulator, token: str, data: bytes, mime: str, chunk: int = 4) -> str:
    """Upload ``data`` through the v2 chunked endpoints; return the media id."""
    headers = {"Authorization": f"Bearer {token}"}
    http = emulator.http
    init = http.post(
        "/x/2/media/upload/initialize",
        json={"media_type": mime, "total_bytes": len(data), "media_category": "tweet_image"},
        headers=headers,
    )
    media_id = init.json()["data"]["id"]
    for index in range(0, len(data), chunk):
        http.post(
            f"/x/2/media/upload/{media_id}/append",
            data={"segment_index": str(index // chunk)},
            files={"media": ("chunk", data[index : index + chunk], "application/octet-stream")},
            headers=headers,
        ).raise_for_status()
    http.post(f"/x/2/media/upload/{media_id}/finalize", headers=headers).raise_for_status()
    return str(media_id)


def test_chunked_media_upload_attaches_with_alt_text(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    token = riverton["access_token"]
    media_id = _upload(emulator, token, b"\x89PNG\r\n\x1a\n" + b"0" * 10, "image/png")
    emulator.http.post(
        "/x/2/media/metadata",
        json={"id": media_id, "metadata": {"alt_text": {"text": "Map of the closure"}}},
        headers={"Authorization": f"Bearer {token}"},
    ).raise_for_status()
    status = emulator.http.get(
        "/x/2/media/upload",
        params={"command": "STATUS", "media_id": media_id},
        headers={"Authorization": f"Bearer {token}"},
    )

    x_client(emulator, token).create_tweet(
        text="See the map", media_ids=[media_id], user_auth=False
    )

    assert status.json()["data"]["processing_info"]["state"] == "succeeded"
    [post] = emulator.posts(network="x", origin="account")
    assert post["media"] == [
        {"id": media_id, "type": "image/png", "size": 18, "alt": "Map of the closure"}
    ]


def test_media_limits_are_enforced(emulator: Emulator, riverton: dict[str, str]) -> None:
    token = riverton["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    too_big = emulator.http.post(
        "/x/2/media/upload/initialize",
        json={"media_type": "image/png", "total_bytes": 6 * 1024 * 1024},
        headers=headers,
    )
    wrong_type = emulator.http.post(
        "/x/2/media/upload/initialize",
        json={"media_type": "application/pdf", "total_bytes": 10},
        headers=headers,
    )
    five = [_upload(emulator, token, b"\xff\xd8\xff" + bytes([n]), "image/jpeg") for n in range(5)]

    assert too_big.status_code == 400 and wrong_type.status_code == 400
    with pytest.raises(tweepy.BadRequest, match="media IDs are invalid"):
        x_client(emulator, token).create_tweet(text="Five photos", media_ids=five, user_auth=False)


def test_rate_limit_headers_count_down_and_429_when_spent(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    emulator.configure(rate_limits={"x": {"limit": 2, "window_seconds": 900}})
    headers = {"Authorization": f"Bearer {riverton['access_token']}"}

    first = emulator.http.get("/x/2/users/me", headers=headers)
    second = emulator.http.get("/x/2/users/me", headers=headers)
    third = emulator.http.get("/x/2/users/me", headers=headers)

    assert [r.headers["x-rate-limit-remaining"] for r in (first, second)] == ["1", "0"]
    assert first.headers["x-rate-limit-limit"] == "2"
    assert time.time() < int(third.headers["x-rate-limit-reset"]) <= time.time() + 900
    assert third.status_code == 429
    with pytest.raises(tweepy.TooManyRequests):
        x_client(emulator, riverton["access_token"]).get_me(user_auth=False)


def _authorize(emulator: Emulator, challenge: str) -> str:
    """Approve the app as @riverton on the authorisation page; return the code."""
    query = {
        "response_type": "code",
        "client_id": "govsocial",
        "redirect_uri": "http://127.0.0.1:8000/connect/x/callback",
        "scope": "tweet.read tweet.write users.read offline.access",
        "state": "s-42",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = emulator.http.get("/x/i/oauth2/authorize", params=query)
    assert page.status_code == 200 and "Authorise" in page.text
    answer = emulator.http.post(
        "/x/i/oauth2/authorize", data=query | {"handle": "riverton", "decision": "authorise"}
    )
    assert answer.status_code == 302
    target = urlparse(answer.headers["location"])
    assert target.path == "/connect/x/callback"
    params = parse_qs(target.query)
    assert params["state"] == ["s-42"]
    return params["code"][0]


def _token(emulator: Emulator, **form: str) -> dict[str, str]:
    """Call X's token endpoint as a public client."""
    response = emulator.http.post("/x/2/oauth2/token", data=form | {"client_id": "govsocial"})
    return {"status": str(response.status_code)} | response.json()


def test_oauth_pkce_flow_refuses_a_wrong_verifier_and_refreshes(emulator: Emulator) -> None:
    verifier = "a-verifier-long-enough-for-pkce-" + "x" * 20
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    redirect = "http://127.0.0.1:8000/connect/x/callback"

    code = _authorize(emulator, challenge)
    refused = _token(
        emulator,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect,
        code_verifier="wrong",
    )
    code = _authorize(emulator, challenge)
    granted = _token(
        emulator,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect,
        code_verifier=verifier,
    )
    replayed = _token(
        emulator,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect,
        code_verifier=verifier,
    )

    assert refused["status"] == "400" and refused["error"] == "invalid_request"
    assert granted["status"] == "200" and granted["expires_in"] == 7200
    assert replayed["status"] == "400"
    client = x_client(emulator, granted["access_token"])
    assert client.get_me(user_auth=False).data.username == "riverton"

    emulator.expire("x", "riverton")
    with pytest.raises(tweepy.Unauthorized):
        client.get_me(user_auth=False)
    renewed = _token(emulator, grant_type="refresh_token", refresh_token=granted["refresh_token"])
    reused = _token(emulator, grant_type="refresh_token", refresh_token=granted["refresh_token"])

    assert (
        x_client(emulator, renewed["access_token"]).get_me(user_auth=False).data.username
        == "riverton"
    )
    assert reused["status"] == "400", "a refresh token works once: X rotates them"


def test_cancelling_authorisation_returns_access_denied(emulator: Emulator) -> None:
    query = {
        "client_id": "govsocial",
        "redirect_uri": "http://127.0.0.1:8000/cb",
        "state": "s",
        "code_challenge": "abc",
        "code_challenge_method": "S256",
    }
    answer = emulator.http.post("/x/i/oauth2/authorize", data=query | {"decision": "cancel"})

    assert parse_qs(urlparse(answer.headers["location"]).query) == {
        "error": ["access_denied"],
        "state": ["s"],
    }
    assert emulator.accounts("x") == []


def test_replies_in_the_accounts_conversation_can_be_hidden_and_shown_again(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    emulator.configure(citizens=False)
    client = x_client(emulator, riverton["access_token"])
    created = client.create_tweet(text="Library hours change", user_auth=False)
    reply = emulator.inbound(
        network="x", account="riverton", kind="reply", text="Spam!", in_reply_to=created.data["id"]
    )
    mention = emulator.inbound(network="x", account="riverton", kind="mention", text="@riverton hi")

    hidden = client.hide_reply(reply["id"], user_auth=False)
    after_hiding = emulator.posts(network="x", origin="citizen", kind="reply")
    client.unhide_reply(reply["id"], user_auth=False)

    assert hidden.data == {"hidden": True}
    assert after_hiding[0]["hidden"] is True
    assert emulator.posts(network="x", origin="citizen", kind="reply")[0]["hidden"] is False
    with pytest.raises(tweepy.Forbidden, match="conversations you started"):
        client.hide_reply(mention["id"], user_auth=False)
    with pytest.raises(tweepy.NotFound):
        client.hide_reply("1", user_auth=False)


def test_a_posts_web_address_leads_to_it_on_the_timeline_page(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    client = x_client(emulator, riverton["access_token"])
    created = client.create_tweet(text="Leaf collection starts Monday", user_auth=False)

    answer = emulator.http.get(f"/x/riverton/status/{created.data['id']}")
    page = emulator.http.get(f"/x/riverton/status/{created.data['id']}", follow_redirects=True)

    location = urlparse(answer.headers["location"])
    assert answer.status_code == 302 and location.path == "/accounts/x/riverton"
    assert f'<article id="{location.fragment}">' in page.text
    assert "Leaf collection starts Monday" in page.text
    assert emulator.http.get("/x/riverton/status/1").status_code == 404


def test_start_time_in_whole_seconds_includes_posts_later_in_that_second(
    emulator: Emulator, riverton: dict[str, str]
) -> None:
    client = x_client(emulator, riverton["access_token"])
    created = client.create_tweet(text="Council meets tonight", user_auth=False)
    [stored] = emulator.posts(network="x", origin="account")
    moment = datetime.fromisoformat(stored["created_at"])

    same_second = client.get_users_tweets(
        riverton["id"], user_auth=False, start_time=moment.replace(microsecond=0)
    )
    next_second = client.get_users_tweets(
        riverton["id"],
        user_auth=False,
        start_time=moment.replace(microsecond=0) + timedelta(seconds=1),
    )

    assert [t.id for t in same_second.data] == [int(created.data["id"])]
    assert next_second.data is None
