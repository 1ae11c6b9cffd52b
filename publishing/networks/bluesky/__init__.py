"""Publish to Bluesky and read what citizens send back, through atproto; connect accounts
with a handle and an app password.

Sessions. Bluesky issues a short access JWT (about two hours) and a long refresh JWT
(about ninety days) that changes on every renewal. The adapter never renews a session:
atproto's own session handling would renew it quietly shortly before expiry and replace
the refresh JWT govsocial stores, leaving the stored one dead. So every call carries the
stored access JWT as a header, and ``BlueskyConnector.refresh`` is what renews (the
health check calls it before the access JWT runs out). Should it run out anyway, the
adapter sends nothing and raises ``TransientNetworkError`` with code ``SESSION_EXPIRED``:
renew, then try again. ``needs_reauthorisation`` means a person must reconnect: the
refresh JWT has run out, Bluesky refuses a session that should still work (app password
revoked, signed out), or ``refresh`` is refused.

Permalinks. Bluesky's API returns none; a post's page is
``<web app>/profile/<handle>/post/<record key>``, the web app being the settings'
``authorize_url`` (where a person creates the app password: https://bsky.app; the
emulator serves the same paths under ``/bluesky``).

Inbound. Replies, mentions and quotes come from ``listNotifications``, newest first. Its
own cursor pages towards older items, so the cursor handed back is the newest
``indexedAt`` seen, with the ids seen at that instant (several can share it), as
``<ISO time>|<uri>,<uri>``. Direct messages live in Bluesky's separate chat service and
are not read. Bluesky lets no one else hide replies through its API: ``hide`` refuses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from publishing.networks.base import Network, NetworkSettings

if TYPE_CHECKING:
    from publishing.networks.bluesky.adapter import BlueskyAdapter
    from publishing.networks.bluesky.connector import BlueskyConnector

# atproto takes seconds to import (its models are built at import): it is imported by
# the first process that talks to Bluesky, not by every one that counts a post's
# characters with this package's rules (every page, every worker at its start).


def network_adapter(network: Network, settings: NetworkSettings) -> BlueskyAdapter:
    """Return the adapter that publishes to Bluesky."""
    from publishing.networks.bluesky.adapter import BlueskyAdapter

    return BlueskyAdapter(settings)


def network_connector(network: Network, settings: NetworkSettings) -> BlueskyConnector:
    """Return the app-password flow that connects a Bluesky account."""
    from publishing.networks.bluesky.connector import BlueskyConnector

    return BlueskyConnector(settings)
