"""Reading Meta's pushes: the signature over the raw body with the app secret, a page's
comments added, edited and removed and its private messages, an Instagram account's
new comments; the account's own words and other changes left alone; a body that cannot
be read refused with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publishing.networks.base import InboundKind, Network
from publishing.networks.graph.webhooks import PushError, pushed, signature_of, signed_by

PAGE = "104729583021"
IG = "17841400000000001"
WRITTEN = 1764842400  # 2025-12-04 10:00 UTC


def feed(verb: str, **value: object) -> dict[str, object]:
    change = {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": verb,
            "comment_id": f"{PAGE}_7_31",
            "post_id": f"{PAGE}_7",
            "parent_id": f"{PAGE}_7",
            "from": {"id": "5550001", "name": "Amara Okafor"},
            "created_time": WRITTEN,
            "message": "When does the pool open?",
        }
        | value,
    }
    return {"object": "page", "entry": [{"id": PAGE, "time": WRITTEN + 5, "changes": [change]}]}


def test_the_signature_is_checked_over_the_raw_body_with_the_app_secret() -> None:
    body = b'{"object": "page", "entry": []}'
    signature = signature_of("app-secret", body)

    assert signature.startswith("sha256=") and signed_by("app-secret", body, signature)
    assert not signed_by("another-secret", body, signature)
    assert not signed_by("app-secret", body + b" ", signature)
    assert not signed_by("app-secret", body, signature.removeprefix("sha256="))
    assert not signed_by("", body, signature_of("", body))


def test_a_page_comment_added_edited_and_removed() -> None:
    [added] = pushed(feed("add"))
    [edited] = pushed(feed("edited", message="When does the pool open on Sunday?"))
    [removed] = pushed(feed("remove", message=None))

    assert (added.network, added.account_remote_id, added.removed) == (Network.FACEBOOK, PAGE, [])
    [comment] = added.items
    assert comment.remote_id == f"{PAGE}_7_31" and comment.kind == InboundKind.COMMENT
    assert (comment.author_handle, comment.author_name) == ("5550001", "Amara Okafor")
    assert comment.in_reply_to_remote_id == f"{PAGE}_7"
    assert comment.created_at == datetime.fromtimestamp(WRITTEN, UTC)
    assert [item.text for item in edited.items] == ["When does the pool open on Sunday?"]
    assert (removed.items, removed.removed) == ([], [f"{PAGE}_7_31"])


def test_the_pages_own_comments_and_other_feed_changes_are_left_alone() -> None:
    [own] = pushed(feed("add", **{"from": {"id": PAGE, "name": "Riverton"}}))
    [reaction] = pushed(feed("add", item="reaction"))

    assert own.items == [] and reaction.items == []


def test_a_private_message_to_the_page() -> None:
    event = {
        "sender": {"id": "5550002"},
        "recipient": {"id": PAGE},
        "timestamp": WRITTEN * 1000,
        "message": {"mid": "m_abc", "text": "Is Elm open to bikes?"},
    }
    echo = event | {"message": {"mid": "m_def", "text": "Yes", "is_echo": True}}
    body = {
        "object": "page",
        "entry": [{"id": PAGE, "time": WRITTEN * 1000, "messaging": [event, echo]}],
    }

    [notice] = pushed(body)

    [message] = notice.items
    assert (message.remote_id, message.kind, message.text) == (
        "m_abc",
        InboundKind.MESSAGE,
        "Is Elm open to bikes?",
    )
    assert message.author_handle == "5550002"
    assert message.created_at == datetime.fromtimestamp(WRITTEN, UTC)


def test_an_instagram_comment_and_a_reply_to_one() -> None:
    def change(comment_id: str, sender: str, **extra: object) -> dict[str, object]:
        value = {
            "id": comment_id,
            "text": "Love it",
            "from": {"id": sender, "username": "grace_kim"},
            "media": {"id": "1790001", "media_product_type": "FEED"},
        }
        return {"field": "comments", "value": value | extra}

    body = {
        "object": "instagram",
        "entry": [
            {
                "id": IG,
                "time": WRITTEN,
                "changes": [
                    change("1801", "99"),
                    change("1802", "99", parent_id="1801"),
                    change("1803", IG),
                ],
            }
        ],
    }

    [notice] = pushed(body)

    assert notice.network == Network.INSTAGRAM and notice.account_remote_id == IG
    assert [(i.remote_id, i.author_handle, i.in_reply_to_remote_id) for i in notice.items] == [
        ("1801", "grace_kim", "1790001"),
        ("1802", "grace_kim", "1801"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"object": "user", "entry": []},
        {"object": "page"},
        {"object": "page", "entry": [{"time": WRITTEN}]},
        {"object": "page", "entry": [{"id": PAGE, "changes": [{"field": "feed", "value": {}}]}]},
    ],
)
def test_a_body_that_cannot_be_read_is_refused(body: object) -> None:
    with pytest.raises(PushError):
        pushed(body)
