"""The composer's previews: each account's post drawn the way its network's feed shows it
— who posts it (picture, name, handle), the text as the network is given it and where
the feed cuts it off behind "more", the card a link becomes, and the files cropped as
the feed crops them (the shapes are in the stylesheet, by network).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from publishing.content import AccountCheck
from publishing.networks.base import Network
from publishing.networks.counts import text_as_sent

# Where a network's feed cuts a post's text off behind "more" (characters shown), for
# the networks that do: Instagram after about 125 characters of a caption, Facebook
# after about 477 of a post. The others show the whole text.
FOLDS = {Network.INSTAGRAM: 125, Network.FACEBOOK: 477}
# The networks whose feed draws a link as a card with its site, when the post has no
# files (with files, the files take the card's place). Bluesky shows the link in the
# text: govsocial gives it no card of its own.
LINK_CARDS = frozenset({Network.X, Network.FACEBOOK, Network.MASTODON})
# The networks that show a handle beside the name: Facebook shows the page's name alone,
# Instagram the handle alone (as the name).
HANDLES = frozenset({Network.X, Network.MASTODON, Network.BLUESKY})


@dataclass(frozen=True)
class NetworkPreview:
    """One account's post as its network's feed shows it."""

    check: AccountCheck
    network: str
    name: str
    # "@handle" as the network writes it, or "" where it shows none.
    handle: str
    # The first letter of the name, shown when the account has no picture.
    initial: str
    # The text the feed shows, and what it cuts off behind "more" ("" when nothing).
    shown: str
    folded: str
    # The site a link card names ("" when the link makes no card).
    card_site: str
    card_link: str


def network_preview(check: AccountCheck) -> NetworkPreview:
    """Return ``check``'s post as its account's network shows it."""
    account, post = check.account, check.post
    network = Network(account.network)
    name = account.display_name or account.handle
    if network == Network.INSTAGRAM:
        name = account.handle
    text = text_as_sent(network, post)
    fold = FOLDS.get(network)
    shown, folded = (text[:fold], text[fold:]) if fold and len(text) > fold else (text, "")
    carded = network in LINK_CARDS and bool(post.link) and not post.media
    return NetworkPreview(
        check=check,
        network=network.value,
        name=name,
        handle=f"@{account.handle.lstrip('@')}" if network in HANDLES else "",
        initial=name.lstrip("@")[:1].upper(),
        shown=shown,
        folded=folded,
        card_site=(urlsplit(post.link).hostname or "") if carded else "",
        card_link=post.link if carded else "",
    )
