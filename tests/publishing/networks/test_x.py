"""The X adapter and connector, through tweepy over HTTP against the network emulator."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from publishing.networks.base import (
    AccountConnector,
    AccountCredentials,
    InboundKind,
    MediaItem,
    Network,
    NetworkAdapter,
    OutcomeUnknownError,
    OutgoingPost,
    PermanentNetworkError,
    TransientNetworkError,
    pkce_challenge,
)
from publishing.networks.limits import MB
from publishing.networks.registry import adapter_for, connector_for
from tests.emulator_client import Emulator
from tests.publishing.delivery import NETWORK_TIMEOUT, TIMED_OUT_MS

PNG = b"\x89PNG\r\n\x1a\n"
CALLBACK = "http://testserver/networks/x/callback/"


@pytest.fixture
def x(networks: Emulator) -> NetworkAdapter:
    """Return the X adapter, pointed at the emulator."""
    return adapter_for(Network.X)


@pytest.fixture
def riverton(networks: Emulator) -> AccountCredentials:
    """Return a connected X account's credentials."""
    account = networks.account("x", "riverton", display_name="City of Riverton")
    return AccountCredentials(
        network=Network.X,
        remote_id=account["id"],
        handle=account["handle"],
        access_token=account["access_token"],
        refresh_token=account["refresh_token"],
    )


@pytest.fixture
def quiet(networks: Emulator) -> Emulator:
    """Keep the emulator's citizens from answering, so a test writes every reply itself."""
    networks.configure(citizens=False)
    return networks


def configure_x(settings: Any, **changes: Any) -> None:
    """Change X's configuration for one test (the networks fixture's dict is replaced)."""
    settings.NETWORKS = {**settings.NETWORKS, "x": {**settings.NETWORKS["x"], **changes}}


def citizen_reply(emulator: Emulator, to: str, text: str) -> dict[str, Any]:
    """Have a citizen (Amara Okafor) reply to the post ``to``; return the reply."""
    return emulator.inbound(
        network="x", account="riverton", kind="reply", text=text, in_reply_to=to
    )


def citizen_mention(emulator: Emulator, text: str, **fields: Any) -> dict[str, Any]:
    """Have a citizen mention @riverton; return the mention."""
    return emulator.inbound(network="x", account="riverton", kind="mention", text=text, **fields)


def image(alt: str = "Map of the closure", size: int = 64, name: str = "map.png") -> MediaItem:
    """Return a PNG of ``size`` bytes."""
    return MediaItem(PNG + b"0" * (size - len(PNG)), "image/png", alt, filename=name)


# Publishing -------------------------------------------------------------------------


def test_a_text_post_reaches_x_with_its_id_and_a_permalink_that_leads_to_it(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator
) -> None:
    published = x.publish(riverton, OutgoingPost(text="Main Street is closed this weekend"))

    [stored] = networks.posts(network="x", account="riverton", origin="account")
    page = networks.http.get(urlparse(published.permalink).path, follow_redirects=True)

    assert stored["id"] == published.remote_id
    assert stored["text"] == "Main Street is closed this weekend"
    assert published.permalink == networks.url(f"/x/riverton/status/{published.remote_id}")
    assert page.url.path == "/accounts/x/riverton"
    assert f'id="{page.url.fragment}"' in page.text
    assert "Main Street is closed this weekend" in page.text


def test_a_link_goes_out_at_the_end_of_the_text(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator
) -> None:
    x.publish(riverton, OutgoingPost(text="Road works", link="https://riverton.example/works"))

    [stored] = networks.posts(network="x", origin="account")
    assert stored["text"] == "Road works\n\nhttps://riverton.example/works"


def test_images_go_out_in_segments_with_their_alt_text(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator
) -> None:
    # 5 MB, X's largest image, goes up in two segments.
    photos = (image("Map of the closure", size=5 * MB), image("Detour signs", name="b.png"))

    published = x.publish(riverton, OutgoingPost(text="See the map", media=photos))

    [stored] = networks.posts(network="x", origin="account")
    assert stored["id"] == published.remote_id
    assert [(m["type"], m["size"], m["alt"]) for m in stored["media"]] == [
        ("image/png", 5 * MB, "Map of the closure"),
        ("image/png", 64, "Detour signs"),
    ]


def test_a_video_goes_out_once_x_has_processed_it(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator
) -> None:
    video = MediaItem(b"\x00\x00\x00\x18ftypmp42" + b"0" * 100, "video/mp4", "Crews at work")

    x.publish(riverton, OutgoingPost(text="Watch the crews", media=(video,)))

    [stored] = networks.posts(network="x", origin="account")
    assert [(m["type"], m["alt"]) for m in stored["media"]] == [("video/mp4", "Crews at work")]


def test_a_reply_answers_a_citizen_in_the_conversation(
    x: NetworkAdapter, riverton: AccountCredentials, quiet: Emulator
) -> None:
    post = x.publish(riverton, OutgoingPost(text="Pools open Saturday"))
    question = citizen_reply(quiet, post.remote_id, "@riverton Which pools?")

    answer = x.reply(riverton, in_reply_to=question["id"], text="@amara_okafor All three.")

    [stored] = quiet.posts(network="x", origin="account", kind="reply")
    assert stored["id"] == answer.remote_id and stored["in_reply_to"] == question["id"]
    assert stored["author"] == "riverton" and stored["root_id"] == post.remote_id
    assert answer.permalink.endswith(f"/x/riverton/status/{answer.remote_id}")


def test_deleting_a_post_removes_it_and_deleting_it_again_counts_as_removed(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator
) -> None:
    published = x.publish(riverton, OutgoingPost(text="Oops"))

    x.delete(riverton, published.remote_id)
    x.delete(riverton, published.remote_id)

    [stored] = networks.posts(network="x", origin="account", include_deleted="1")
    assert stored["id"] == published.remote_id and stored["deleted"] is True


# Reading ----------------------------------------------------------------------------


def test_recent_posts_are_the_accounts_own_since_a_time_newest_first(
    x: NetworkAdapter, riverton: AccountCredentials, quiet: Emulator
) -> None:
    # Every call answers 5 ms late, so each post is at least 5 ms after the one before.
    quiet.configure(latency_ms=5)
    x.publish(riverton, OutgoingPost(text="Before"))
    second = x.publish(riverton, OutgoingPost(text="Second"))
    question = citizen_mention(quiet, "@riverton ?")
    answer = x.reply(riverton, in_reply_to=question["id"], text="@amara_okafor Yes")
    [stored] = [p for p in quiet.posts(network="x") if p["id"] == second.remote_id]

    recent = x.fetch_recent(riverton, since=datetime.fromisoformat(stored["created_at"]))

    assert [(p.remote_id, p.text) for p in recent] == [
        (answer.remote_id, "@amara_okafor Yes"),
        (second.remote_id, "Second"),
    ]
    assert recent[1].created_at.tzinfo is not None
    assert recent[1].permalink == second.permalink


def test_inbound_brings_replies_and_mentions_then_only_newer_ones_from_the_cursor(
    x: NetworkAdapter, riverton: AccountCredentials, quiet: Emulator
) -> None:
    post = x.publish(riverton, OutgoingPost(text="Leaf collection starts Monday"))
    reply = citizen_reply(quiet, post.remote_id, "Which streets?")
    mention = citizen_mention(quiet, "@riverton lights out", citizen="ben_tremblay")

    first = x.fetch_inbound(riverton, cursor="")
    later = citizen_mention(quiet, "@riverton thanks")
    second = x.fetch_inbound(riverton, cursor=first.cursor)
    third = x.fetch_inbound(riverton, cursor=second.cursor)

    assert [(i.remote_id, i.kind) for i in first.items] == [
        (mention["id"], InboundKind.MENTION),
        (reply["id"], InboundKind.REPLY),
    ]
    replied = first.items[1]
    assert (replied.author_handle, replied.author_name) == ("amara_okafor", "Amara Okafor")
    assert replied.text == "Which streets?" and replied.in_reply_to_remote_id == post.remote_id
    assert replied.permalink.endswith(f"/x/amara_okafor/status/{reply['id']}")
    assert first.items[0].author_name == "Ben Tremblay"
    assert first.cursor == mention["id"]
    assert [i.remote_id for i in second.items] == [later["id"]]
    assert second.cursor == later["id"]
    assert third.items == () and third.cursor == later["id"]


def test_reading_items_again_leaves_out_the_deleted_and_follows_edits(
    x: NetworkAdapter, riverton: AccountCredentials, quiet: Emulator
) -> None:
    kept, deleted, edited = (
        citizen_mention(quiet, f"@riverton {text}")["id"]
        for text in ("lights out", "spam", "lights out on Elm")
    )
    quiet.delete("x", deleted)
    # An edit on X is a new post naming every version: the item is read as it is now.
    first_edit = quiet.edit("x", edited, "@riverton lights out on Elm St")
    latest = quiet.edit("x", edited, "@riverton lights out on Elm St and 3rd")

    found = x.fetch_current(riverton, remote_ids=[kept, deleted, edited])
    since = x.fetch_inbound(riverton, cursor=edited)

    assert latest["versions"] == [edited, first_edit["id"], latest["id"]]
    assert [(p.remote_id, p.text) for p in found] == [
        (kept, "@riverton lights out"),
        (edited, "@riverton lights out on Elm St and 3rd"),
    ]
    assert found[1].permalink.endswith(latest["id"])
    assert [(i.remote_id, i.text) for i in since.items] == [
        (edited, "@riverton lights out on Elm St and 3rd")
    ]
    assert since.cursor == latest["id"]
    quiet.delete("x", edited)
    assert x.fetch_current(riverton, remote_ids=[edited]) == []


def test_a_cursor_reads_every_page_of_what_came_since(
    x: NetworkAdapter, riverton: AccountCredentials, quiet: Emulator
) -> None:
    citizen_mention(quiet, "@riverton first")
    start = x.fetch_inbound(riverton, cursor="")
    texts = {f"@riverton question {number}" for number in range(104)}  # X pages by 100
    with ThreadPoolExecutor(max_workers=8) as pool:
        written = list(pool.map(lambda text: citizen_mention(quiet, text), texts))

    page = x.fetch_inbound(riverton, cursor=start.cursor)

    assert {item.text for item in page.items} == texts
    ids = [int(item.remote_id) for item in page.items]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 104
    assert page.cursor == str(max(int(w["id"]) for w in written))


def test_a_citizens_reply_can_be_hidden_and_shown_again(
    x: NetworkAdapter, riverton: AccountCredentials, quiet: Emulator
) -> None:
    post = x.publish(riverton, OutgoingPost(text="Budget consultation"))
    reply = citizen_reply(quiet, post.remote_id, "Spam")

    x.hide(riverton, reply["id"], hidden=True)
    hidden = quiet.posts(network="x", origin="citizen")[0]["hidden"]
    x.hide(riverton, reply["id"], hidden=False)

    assert hidden is True
    assert quiet.posts(network="x", origin="citizen")[0]["hidden"] is False


def test_hiding_a_mention_is_refused_with_xs_reason(
    x: NetworkAdapter, riverton: AccountCredentials, quiet: Emulator
) -> None:
    mention = citizen_mention(quiet, "@riverton hi")

    with pytest.raises(PermanentNetworkError, match="replies to conversations you started"):
        x.hide(riverton, mention["id"], hidden=True)


def test_the_profile_says_who_the_token_belongs_to(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator
) -> None:
    profile = x.profile(riverton)

    assert (profile.remote_id, profile.handle) == (riverton.remote_id, "riverton")
    assert profile.display_name == "City of Riverton"
    assert profile.avatar_url == networks.url("/avatars/x/riverton.png")


# Failures ---------------------------------------------------------------------------


def test_a_server_error_is_transient(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator
) -> None:
    networks.fault("server_error", network="x", status=503)

    with pytest.raises(TransientNetworkError) as raised:
        x.publish(riverton, OutgoingPost(text="Snow day"))

    assert raised.value.status == 503 and not raised.value.rate_limited
    assert networks.posts(network="x", origin="account") == []


@pytest.mark.parametrize("path", ["/2/tweets", "/2/media/upload/initialize"])
def test_a_rate_limit_is_transient_with_xs_reset_time(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator, path: str
) -> None:
    networks.fault("rate_limit", network="x", path=path, reset_in=120)

    with pytest.raises(TransientNetworkError) as raised:
        x.publish(riverton, OutgoingPost(text="Snow day", media=(image(),)))

    assert raised.value.rate_limited
    assert raised.value.retry_after is not None and 110 < raised.value.retry_after <= 120
    assert networks.posts(network="x", origin="account") == []


@pytest.mark.parametrize("how", ["fault", "expired"])
def test_an_expired_token_needs_the_account_reconnected(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator, how: str
) -> None:
    if how == "fault":
        networks.fault("token_expired", network="x")
    else:
        networks.expire("x", "riverton")

    with pytest.raises(PermanentNetworkError) as raised:
        x.publish(riverton, OutgoingPost(text="Snow day"))

    assert raised.value.needs_reauthorisation
    assert riverton.access_token not in raised.value.reason


def test_a_post_accepted_but_answered_too_late_has_an_unknown_outcome(
    x: NetworkAdapter, riverton: AccountCredentials, networks: Emulator, settings: Any
) -> None:
    configure_x(settings, timeout_seconds=NETWORK_TIMEOUT)
    networks.fault(
        "accepted_timeout", network="x", method="POST", path="/2/tweets", hold_ms=TIMED_OUT_MS
    )

    with pytest.raises(OutcomeUnknownError):
        adapter_for(Network.X).publish(riverton, OutgoingPost(text="Snow day"))

    assert [p["text"] for p in networks.posts(network="x", origin="account")] == ["Snow day"]


def test_an_upload_answered_too_late_is_transient_because_nothing_was_posted(
    riverton: AccountCredentials, networks: Emulator, settings: Any
) -> None:
    configure_x(settings, timeout_seconds=NETWORK_TIMEOUT)
    networks.fault(
        "accepted_timeout", network="x", path="/2/media/upload/initialize", hold_ms=TIMED_OUT_MS
    )

    with pytest.raises(TransientNetworkError):
        adapter_for(Network.X).publish(riverton, OutgoingPost(text="Map", media=(image(),)))

    assert networks.posts(network="x", origin="account") == []


def test_x_out_of_reach_is_transient(
    riverton: AccountCredentials, networks: Emulator, settings: Any
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    configure_x(settings, api_url=f"http://127.0.0.1:{closed_port}/x")

    with pytest.raises(TransientNetworkError):
        adapter_for(Network.X).publish(riverton, OutgoingPost(text="Snow day"))


@pytest.mark.parametrize(
    ("post", "reason"),
    [
        (OutgoingPost(text="市" * 141), "Your Tweet text is too long"),
        (
            OutgoingPost(text="Form", media=(MediaItem(b"%PDF-1.7", "application/pdf", "A"),)),
            "'application/pdf' is not supported",
        ),
    ],
    ids=["too long", "unsupported file"],
)
def test_what_x_refuses_fails_with_xs_own_reason(
    x: NetworkAdapter,
    riverton: AccountCredentials,
    networks: Emulator,
    post: OutgoingPost,
    reason: str,
) -> None:
    with pytest.raises(PermanentNetworkError, match=reason) as raised:
        x.publish(riverton, post)

    assert raised.value.reason.startswith("X refused it: ")
    assert not raised.value.needs_reauthorisation
    assert networks.posts(network="x", origin="account") == []


def test_the_same_text_twice_is_refused_as_duplicate_content(
    x: NetworkAdapter, riverton: AccountCredentials
) -> None:
    x.publish(riverton, OutgoingPost(text="Snow day"))

    with pytest.raises(PermanentNetworkError, match="duplicate content"):
        x.publish(riverton, OutgoingPost(text="Snow day"))


# Validation -------------------------------------------------------------------------


def test_validate_applies_xs_length_and_media_rules_at_their_limits(x: NetworkAdapter) -> None:
    def codes(post: OutgoingPost) -> list[str]:
        return [problem.code for problem in x.validate(post)]

    link = "https://www.riverton.ca/" + "a" * 200  # counts 23
    video = MediaItem(b"v", "video/mp4", "Crews")
    gif = MediaItem(b"GIF89a", "image/gif", "Waving")

    assert codes(OutgoingPost(text="x" * 280)) == []
    assert codes(OutgoingPost(text="x" * 281)) == ["too_long"]
    assert codes(OutgoingPost(text="市" * 140)) == []
    assert codes(OutgoingPost(text="市" * 141)) == ["too_long"]
    assert codes(OutgoingPost(text="x" * 256 + " " + link)) == []
    assert codes(OutgoingPost(text="x" * 256, link=link)) == ["too_long"]  # + 2 newlines
    assert codes(OutgoingPost(text="x" * 255, link=link)) == []
    assert codes(OutgoingPost(text="")) == ["empty"]
    assert codes(OutgoingPost(text="", media=(image(),))) == []
    assert codes(OutgoingPost(text="Four", media=(image(),) * 4)) == []
    assert codes(OutgoingPost(text="Five", media=(image(),) * 5)) == ["too_many_media"]
    assert codes(OutgoingPost(text="One video", media=(video,))) == []
    assert codes(OutgoingPost(text="Mixed", media=(image(), gif))) == ["media_mixed"]
    assert codes(OutgoingPost(text="Big", media=(image(size=5 * MB),))) == []
    assert codes(OutgoingPost(text="Big", media=(image(size=5 * MB + 1),))) == ["media_too_large"]
    assert codes(OutgoingPost(text="PDF", media=(MediaItem(b"%", "application/pdf", "A"),))) == [
        "media_type"
    ]
    assert codes(OutgoingPost(text="Alt", media=(image("a" * 1000),))) == []
    assert codes(OutgoingPost(text="Alt", media=(image("a" * 1001),))) == ["alt_text_too_long"]
    assert codes(OutgoingPost(text="Alt", media=(image("  "),))) == ["alt_text_missing"]
    [problem] = x.validate(OutgoingPost(text="No alt", media=(image("", name="map.png"),)))
    assert problem.field == "media" and "map.png" in problem.message
    [big] = x.validate(OutgoingPost(text="Big", media=(image(size=5 * MB + 1, name="b.png"),)))
    assert big.message == (
        "b.png (file 1) is 5.01 MB and X takes images of up to 5 MB. Use a smaller file."
    )


# Connecting -------------------------------------------------------------------------


class FormReader(HTMLParser):
    """Collect the fields of the first form on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("type") == "hidden" and named.get("name"):
            self.fields[str(named["name"])] = named.get("value") or ""


def authorise(connector: AccountConnector, *, handle: str, verifier: str) -> str:
    """Approve govsocial as ``handle`` on X's (the emulator's) page; return the code."""
    url = connector.authorize_url(
        redirect_uri=CALLBACK, state="state-7", code_challenge=pkce_challenge(verifier)
    )
    with httpx.Client(timeout=10) as browser:
        page = browser.get(url)
        form = FormReader()
        form.feed(page.text)
        answer = browser.post(url, data=form.fields | {"handle": handle, "decision": "authorise"})
    assert page.status_code == 200 and answer.status_code == 302
    back = urlparse(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    query = parse_qs(back.query)
    assert query["state"] == ["state-7"]
    return query["code"][0]


@pytest.fixture
def connector(networks: Emulator) -> AccountConnector:
    """Return X's connector, pointed at the emulator."""
    found: AccountConnector = connector_for(Network.X)  # type: ignore[assignment]
    return found


def test_connecting_goes_through_xs_page_and_gives_a_working_account(
    connector: AccountConnector, x: NetworkAdapter, networks: Emulator
) -> None:
    verifier = "verifier-" + "v" * 50
    url = urlparse(connector.authorize_url(redirect_uri=CALLBACK, state="s", code_challenge="c"))
    asked = parse_qs(url.query)

    code = authorise(connector, handle="riverton", verifier=verifier)
    [account] = connector.connect(code=code, redirect_uri=CALLBACK, code_verifier=verifier)

    assert url.path == "/x/i/oauth2/authorize"
    assert asked["scope"] == ["tweet.read tweet.write tweet.moderate.write users.read "
                              "offline.access media.write"]  # fmt: skip
    assert asked["code_challenge_method"] == ["S256"] and asked["client_id"] == ["govsocial-demo"]
    [emulated] = networks.accounts("x")
    assert (account.profile.remote_id, account.profile.handle) == (emulated["id"], "riverton")
    assert account.credentials.remote_id == emulated["id"]
    assert account.credentials.refresh_token and "offline.access" in account.scopes
    expires = account.credentials.token_expires_at
    assert expires is not None
    assert timedelta(minutes=119) < expires - datetime.now(UTC) <= timedelta(hours=2)
    assert x.profile(account.credentials).handle == "riverton"


def test_a_wrong_or_spent_code_is_refused(connector: AccountConnector) -> None:
    verifier = "verifier-" + "v" * 50
    code = authorise(connector, handle="riverton", verifier=verifier)

    with pytest.raises(PermanentNetworkError, match="Start connecting the account again") as wrong:
        connector.connect(code=code, redirect_uri=CALLBACK, code_verifier="another-verifier")
    with pytest.raises(PermanentNetworkError):
        connector.connect(code="made-up", redirect_uri=CALLBACK, code_verifier=verifier)

    assert not wrong.value.needs_reauthorisation


def test_refreshing_rotates_both_tokens_and_a_spent_refresh_token_needs_reconnecting(
    connector: AccountConnector, x: NetworkAdapter, networks: Emulator
) -> None:
    verifier = "verifier-" + "v" * 50
    code = authorise(connector, handle="riverton", verifier=verifier)
    [account] = connector.connect(code=code, redirect_uri=CALLBACK, code_verifier=verifier)
    networks.expire("x", "riverton")

    renewed = connector.refresh(account.credentials)

    assert renewed.access_token != account.credentials.access_token
    assert renewed.refresh_token != account.credentials.refresh_token
    assert x.profile(renewed).handle == "riverton"
    with pytest.raises(PermanentNetworkError) as spent:
        connector.refresh(account.credentials)
    assert spent.value.needs_reauthorisation
    assert account.credentials.refresh_token not in spent.value.reason


def test_an_expired_refresh_token_needs_reconnecting(
    connector: AccountConnector, riverton: AccountCredentials, networks: Emulator
) -> None:
    networks.expire("x", "riverton", refresh=True)

    with pytest.raises(PermanentNetworkError) as raised:
        connector.refresh(riverton)

    assert raised.value.needs_reauthorisation
