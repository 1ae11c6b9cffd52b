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

from publishing.networks.base import Network, NetworkSettings
from publishing.networks.bluesky.adapter import BlueskyAdapter
from publishing.networks.bluesky.connector import BlueskyConnector
from publishing.networks.bluesky.session import SESSION_EXPIRED

__all__ = ["SESSION_EXPIRED", "BlueskyAdapter", "BlueskyConnector", "adapter", "connector"]


def adapter(network: Network, settings: NetworkSettings) -> BlueskyAdapter:
    """Return the adapter that publishes to Bluesky."""
    return BlueskyAdapter(settings)


def connector(network: Network, settings: NetworkSettings) -> BlueskyConnector:
    """Return the app-password flow that connects a Bluesky account."""
    return BlueskyConnector(settings)
