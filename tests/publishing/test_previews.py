"""The composer's previews draw each account's post as its network's feed does: who
posts it, the text as the network is given it and where the feed cuts it off, and the
card a link becomes."""

from __future__ import annotations

from publishing.content import AccountCheck
from publishing.models import SocialAccount
from publishing.networks.base import MediaItem, Network, OutgoingPost
from publishing.networks.counts import character_count
from publishing.previews import NetworkPreview, network_preview

LINK = "https://www.riverton.ca/bridge"
PHOTO = MediaItem(content=b"", mime_type="image/png", alt_text="The bridge", filename="b.png")


def preview(
    network: Network,
    text: str,
    *,
    link: str = "",
    media: tuple[MediaItem, ...] = (),
    **account: str,
) -> NetworkPreview:
    post = OutgoingPost(text=text, link=link, media=media)
    fields = {"handle": "riverton", "display_name": "City of Riverton"} | account
    return network_preview(
        AccountCheck(
            account=SocialAccount(network=network, **fields),
            post=post,
            count=character_count(network, post),
            problems=[],
        )
    )


def test_instagram_shows_the_handle_as_the_name_and_cuts_a_caption_after_125_characters() -> None:
    caption = "a" * 125 + "b" * 75
    shown = preview(Network.INSTAGRAM, caption, link=LINK, media=(PHOTO,))
    assert (shown.name, shown.handle, shown.initial) == ("riverton", "", "R")
    assert shown.shown == "a" * 125
    assert shown.folded.startswith("b" * 75)
    # A link in a caption is only text: no card.
    assert shown.card_link == ""


def test_facebook_shows_the_pages_name_a_link_card_and_cuts_long_posts() -> None:
    carded = preview(Network.FACEBOOK, "Bridge reopens.", link=LINK)
    assert (carded.name, carded.handle) == ("City of Riverton", "")
    assert (carded.card_site, carded.card_link) == ("www.riverton.ca", LINK)
    assert carded.shown == "Bridge reopens." and carded.folded == ""
    # With a photo the link joins the text, and makes no card.
    with_photo = preview(Network.FACEBOOK, "Bridge reopens.", link=LINK, media=(PHOTO,))
    assert with_photo.card_link == "" and LINK in with_photo.shown
    long = preview(Network.FACEBOOK, "x" * 500)
    assert (len(long.shown), len(long.folded)) == (477, 23)


def test_x_mastodon_and_bluesky_show_the_handle_and_the_link_in_the_text() -> None:
    x = preview(Network.X, "Bridge reopens.", link=LINK)
    assert (x.handle, x.card_site) == ("@riverton", "www.riverton.ca")
    assert x.shown == f"Bridge reopens.\n\n{LINK}"
    mastodon = preview(
        Network.MASTODON, "Bridge reopens.", link=LINK, handle="riverton@social.example"
    )
    assert mastodon.handle == "@riverton@social.example" and mastodon.card_link == LINK
    bluesky = preview(
        Network.BLUESKY, "x" * 290, link=LINK, handle="riverton.bsky.social", display_name=""
    )
    # Bluesky makes no card of the link, and shows the whole text; no display name: the handle.
    assert bluesky.card_link == "" and bluesky.folded == ""
    assert bluesky.shown.endswith(LINK)
    assert (bluesky.name, bluesky.initial) == ("riverton.bsky.social", "R")
