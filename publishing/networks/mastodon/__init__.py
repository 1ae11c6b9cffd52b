"""Publish to and read from one Mastodon instance through Mastodon.py.

The instance is ``NetworkSettings.api_url``; govsocial's app on it is the configured
client id and secret (apps are registered per instance). Mastodon access tokens do not
expire, so "refreshing" one only checks it still works. Replies to the account's posts,
mentions and private messages all reach it as ``mention`` notifications; a private
message is a status of ``direct`` visibility. Mastodon cannot hide a reply.

- ``adapter``: publishing, deleting and reading statuses and notifications;
- ``connector``: the OAuth flow (authorisation code with PKCE);
- ``client``: Mastodon.py set up for the instance, and its errors in the three kinds;
- ``content``: what a status carries (text, validation) and the text of its HTML.
"""

from __future__ import annotations

from publishing.networks.base import Network, NetworkSettings
from publishing.networks.mastodon.adapter import MastodonAdapter
from publishing.networks.mastodon.connector import MastodonConnector


def network_adapter(network: Network, settings: NetworkSettings) -> MastodonAdapter:
    """Return the adapter for the Mastodon instance in ``settings``."""
    return MastodonAdapter(network, settings)


def network_connector(network: Network, settings: NetworkSettings) -> MastodonConnector:
    """Return the OAuth flow for the Mastodon instance in ``settings``."""
    return MastodonConnector(network, settings)


__all__ = ["MastodonAdapter", "MastodonConnector", "network_adapter", "network_connector"]
