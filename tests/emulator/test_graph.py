"""Facebook pages and Instagram over the Graph API (plain HTTP, as a small typed client would)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.emulator.clients import GRAPH
from tests.emulator_client import Emulator


class Page:
    """Hold a page's ids and tokens, as /me/accounts hands them out."""

    def __init__(self, emulator: Emulator, handle: str) -> None:
        """Create the page and read its page token through /me/accounts."""
        self.http = emulator.http
        self.user_token = emulator.account("facebook", handle)["access_token"]
        pages = self.get(
            "/me/accounts", self.user_token, fields="name,access_token,instagram_business_account"
        )
        entry = pages.json()["data"][0]
        self.id, self.token = entry["id"], entry["access_token"]
        self.instagram_id = entry["instagram_business_account"]["id"]

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        """GET a Graph path with a token."""
        return self.http.get(GRAPH + path, params={"access_token": token or self.token, **params})

    def post(self, path: str, token: str | None = None, **data: Any) -> httpx.Response:
        """POST a form to a Graph path with a token."""
        return self.http.post(GRAPH + path, data={"access_token": token or self.token, **data})


@pytest.fixture
def page(emulator: Emulator) -> Page:
    """Return the Riverton page, with citizens quiet unless a test wants them."""
    emulator.configure(citizens=False)
    return Page(emulator, "riverton")


def test_a_page_post_reaches_the_network_and_reads_back(emulator: Emulator, page: Page) -> None:
    created = page.post(f"/{page.id}/feed", message="Pools open Saturday")
    feed = page.get(f"/{page.id}/published_posts", fields="message,created_time,permalink_url")

    assert created.status_code == 200
    [post] = feed.json()["data"]
    assert post["id"] == created.json()["id"] and post["message"] == "Pools open Saturday"
    assert post["created_time"].endswith("+0000")
    assert emulator.http.get(post["permalink_url"]).status_code == 200
    assert (
        emulator.posts(network="facebook", account="riverton")[0]["text"] == "Pools open Saturday"
    )


def test_publishing_needs_the_page_token(page: Page) -> None:
    refused = page.post(f"/{page.id}/feed", page.user_token, message="Not as the person")

    assert refused.status_code == 403 and refused.json()["error"]["code"] == 200


def test_another_page_is_invisible(emulator: Emulator, page: Page) -> None:
    other = Page(emulator, "ministry")
    answer = page.post(f"/{other.id}/feed", message="Not mine")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100 and answer.json()["error"]["error_subcode"] == 33


def test_comments_reply_hide_and_delete(emulator: Emulator, page: Page) -> None:
    post_id = page.post(f"/{page.id}/feed", message="Road work on Elm").json()["id"]
    comment = emulator.inbound(
        network="facebook", account="riverton", kind="reply", text="How long?", in_reply_to=post_id
    )

    reply = page.post(f"/{comment['id']}/comments", message="Two weeks.")
    hidden = page.post(f"/{comment['id']}", is_hidden="true")
    stream = page.get(
        f"/{post_id}/comments", filter="stream", fields="message,from,is_hidden,parent"
    )
    deleted = page.http.delete(f"{GRAPH}/{reply.json()['id']}", params={"access_token": page.token})

    data = stream.json()["data"]
    assert [(c["message"], c["is_hidden"]) for c in data] == [
        ("How long?", True),
        ("Two weeks.", False),
    ]
    assert data[1]["parent"] == {"id": comment["id"]} and data[0]["from"]["name"] == "Amara Okafor"
    assert hidden.json() == {"success": True} and deleted.json() == {"success": True}
    assert [c["message"] for c in page.get(f"/{post_id}/comments").json()["data"]] == ["How long?"]


def test_photos_and_multi_photo_posts(emulator: Emulator, page: Page) -> None:
    single = page.post(
        f"/{page.id}/photos",
        url="https://riverton.example/map.jpg",
        caption="Map",
        alt_text_custom="A map",
    )
    first = page.post(
        f"/{page.id}/photos", url="https://riverton.example/a.jpg", published="false"
    ).json()["id"]
    second = page.post(
        f"/{page.id}/photos", url="https://riverton.example/b.jpg", published="false"
    ).json()["id"]
    both = page.post(
        f"/{page.id}/feed",
        message="Two photos",
        **{
            "attached_media[0]": json.dumps({"media_fbid": first}),
            "attached_media[1]": json.dumps({"media_fbid": second}),
        },
    )

    assert set(single.json()) == {"id", "post_id"}
    stored = {
        p["text"]: len(p["media"]) for p in emulator.posts(network="facebook", origin="account")
    }
    assert stored == {"Map": 1, "Two photos": 2}
    assert both.status_code == 200


def test_a_message_over_63206_characters_is_refused(page: Page) -> None:
    answer = page.post(f"/{page.id}/feed", message="x" * 63207)

    assert answer.status_code == 400 and answer.json()["error"]["code"] == 100


def test_private_conversations_read_and_answer(emulator: Emulator, page: Page) -> None:
    emulator.inbound(
        network="facebook", account="riverton", kind="message", text="Is the dump open Sunday?"
    )

    conversations = page.get(
        f"/{page.id}/conversations", fields="participants,messages{message,from}"
    )
    [conversation] = conversations.json()["data"]
    sender = conversation["messages"]["data"][0]["from"]["id"]
    sent = page.http.post(
        f"{GRAPH}/{page.id}/messages",
        json={
            "recipient": {"id": sender},
            "message": {"text": "Yes, 9 to 5."},
            "messaging_type": "RESPONSE",
            "access_token": page.token,
        },
    )
    messages = page.get(f"/{conversation['id']}/messages", fields="message")

    assert sent.json()["recipient_id"] == sender
    assert [m["message"] for m in messages.json()["data"]] == [
        "Yes, 9 to 5.",
        "Is the dump open Sunday?",
    ]


def test_instagram_container_publish_and_comments(emulator: Emulator, page: Page) -> None:
    container = page.post(
        f"/{page.instagram_id}/media",
        page.user_token,
        image_url="https://riverton.example/p.jpg",
        caption="Pools #summer",
    )
    status = page.get(f"/{container.json()['id']}", page.user_token, fields="status_code")
    published = page.post(
        f"/{page.instagram_id}/media_publish", page.user_token, creation_id=container.json()["id"]
    )
    again = page.post(
        f"/{page.instagram_id}/media_publish", page.user_token, creation_id=container.json()["id"]
    )
    media_id = published.json()["id"]
    emulator.inbound(
        network="instagram", account="riverton", kind="reply", text="Love it", in_reply_to=media_id
    )
    comments = page.get(f"/{media_id}/comments", page.user_token, fields="text,username")
    listing = page.get(f"/{page.instagram_id}/media", page.user_token, fields="caption,permalink")

    assert status.json()["status_code"] == "FINISHED"
    assert again.status_code == 400
    assert [(c["text"], c["username"]) for c in comments.json()["data"]] == [
        ("Love it", "amara_okafor")
    ]
    assert listing.json()["data"][0]["caption"] == "Pools #summer"
    assert emulator.posts(network="instagram", origin="account")[0]["id"] == media_id


def test_instagram_needs_an_image_and_a_short_caption(page: Page) -> None:
    no_image = page.post(f"/{page.instagram_id}/media", caption="Words only")
    long_caption = page.post(
        f"/{page.instagram_id}/media", image_url="https://r.example/p.jpg", caption="x" * 2201
    )
    hashtags = page.post(
        f"/{page.instagram_id}/media",
        image_url="https://r.example/p.jpg",
        caption=" ".join(f"#t{n}" for n in range(31)),
    )

    assert no_image.status_code == 400 and "image_url" in no_image.json()["error"]["message"]
    assert long_caption.status_code == 400 and hashtags.status_code == 400


def test_with_fetching_on_instagram_downloads_the_image_when_the_container_is_made(
    emulator: Emulator, page: Page
) -> None:
    assert emulator.configure(fetch_media=True)["fetch_media"] is True
    image_url = emulator.url("/avatars/instagram/riverton.png")

    container = page.post(f"/{page.instagram_id}/media", image_url=image_url, caption="Pools")
    page.post(f"/{page.instagram_id}/media_publish", creation_id=container.json()["id"])

    [stored] = emulator.posts(network="instagram", origin="account")
    assert stored["media"][0]["type"] == "image/png"
    assert stored["media"][0]["size"] > 0
    assert stored["media"][0]["url"] == image_url


@pytest.mark.parametrize(
    "path", ["/_emulator/health", "/avatars/instagram/nobody", "/accounts/facebook/riverton"]
)
def test_with_fetching_on_instagram_refuses_what_is_not_an_image(
    emulator: Emulator, page: Page, path: str
) -> None:
    emulator.configure(fetch_media=True)
    refused = page.post(f"/{page.instagram_id}/media", image_url=emulator.url(path), caption="x")

    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["code"], error["error_subcode"]) == (9004, 2207052)
    assert error["message"].startswith("The media could not be fetched from this uri")


def test_with_fetching_on_instagram_refuses_an_address_that_does_not_answer(
    emulator: Emulator, page: Page
) -> None:
    emulator.configure(fetch_media=True)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/p.jpg"

    refused = page.post(f"/{page.instagram_id}/media", image_url=nowhere, caption="x")

    assert refused.json()["error"]["code"] == 9004


def test_fetching_is_off_until_turned_on_and_a_reset_turns_it_off(emulator: Emulator) -> None:
    assert emulator.configure()["fetch_media"] is False
    emulator.configure(fetch_media=True)
    emulator.reset()
    assert emulator.configure()["fetch_media"] is False


def test_every_answer_carries_meta_usage_headers(emulator: Emulator, page: Page) -> None:
    emulator.configure(rate_limits={"facebook": {"limit": 4, "window_seconds": 3600}})
    answer = page.get(f"/{page.id}")
    spent = [page.get(f"/{page.id}") for _ in range(4)][-1]

    app_usage = json.loads(answer.headers["x-app-usage"])
    business = json.loads(answer.headers["x-business-use-case-usage"])
    assert app_usage["call_count"] == 25
    assert business[page.id][0]["type"] == "pages"
    assert spent.status_code == 400 and spent.json()["error"]["code"] == 32
    assert (
        json.loads(spent.headers["x-business-use-case-usage"])[page.id][0][
            "estimated_time_to_regain_access"
        ]
        > 0
    )


def test_oauth_dialog_and_code_exchange(emulator: Emulator) -> None:
    query = {
        "client_id": "1234",
        "redirect_uri": "http://127.0.0.1:8000/connect/facebook/callback",
        "state": "s-9",
        "scope": "pages_manage_posts",
    }
    page = emulator.http.get(f"{GRAPH}/dialog/oauth", params=query)
    answer = emulator.http.post(
        f"{GRAPH}/dialog/oauth", data=query | {"handle": "riverton", "decision": "authorise"}
    )
    code = parse_qs(urlparse(answer.headers["location"]).query)["code"][0]
    exchange = {
        "client_id": "1234",
        "client_secret": "s",
        "redirect_uri": query["redirect_uri"],
        "code": code,
    }
    token = emulator.http.get(f"{GRAPH}/oauth/access_token", params=exchange)
    reused = emulator.http.get(f"{GRAPH}/oauth/access_token", params=exchange)
    me = emulator.http.get(f"{GRAPH}/me", params={"access_token": token.json()["access_token"]})

    assert page.status_code == 200
    assert token.json()["expires_in"] > 0 and me.json()["name"] == "Riverton (admin)"
    assert reused.status_code == 400 and reused.json()["error"]["error_subcode"] == 36009


def test_an_expired_token_answers_code_190(emulator: Emulator, page: Page) -> None:
    emulator.expire("facebook", "riverton")
    answer = page.get(f"/{page.id}")

    assert answer.status_code == 400
    assert (answer.json()["error"]["code"], answer.json()["error"]["error_subcode"]) == (190, 463)


def test_pages_list_their_instagram_account_with_the_nested_fields_asked(page: Page) -> None:
    nested = page.get(
        "/me/accounts",
        page.user_token,
        fields="id,instagram_business_account{id,username,profile_picture_url}",
    )
    bare = page.get("/me/accounts", page.user_token, fields="instagram_business_account")

    [entry] = nested.json()["data"]
    instagram = entry["instagram_business_account"]
    assert (instagram["id"], instagram["username"]) == (page.instagram_id, "riverton")
    assert instagram["profile_picture_url"].endswith("/avatars/instagram/riverton.png")
    assert bare.json()["data"][0]["instagram_business_account"] == {"id": page.instagram_id}


def test_a_code_asked_with_pkce_needs_its_verifier(emulator: Emulator) -> None:
    verifier = "a-verifier-of-enough-length-for-the-test-0123456789"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "client_id": "1234",
        "redirect_uri": "http://127.0.0.1:8000/connect/facebook/callback",
        "state": "s-1",
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
    }

    def code() -> str:
        answer = emulator.http.post(
            f"{GRAPH}/dialog/oauth", data=query | {"handle": "riverton", "decision": "authorise"}
        )
        return parse_qs(urlparse(answer.headers["location"]).query)["code"][0]

    exchange = {"client_id": "1234", "client_secret": "s", "redirect_uri": query["redirect_uri"]}
    wrong = emulator.http.post(
        f"{GRAPH}/oauth/access_token", data=exchange | {"code": code(), "code_verifier": "nope"}
    )
    right = emulator.http.post(
        f"{GRAPH}/oauth/access_token", data=exchange | {"code": code(), "code_verifier": verifier}
    )

    assert wrong.status_code == 400 and "code_verifier" in wrong.json()["error"]["message"]
    assert right.status_code == 200 and right.json()["access_token"]
