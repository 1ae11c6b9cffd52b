"""Publish to X and read its replies through tweepy's API v2 client.

Accounts act through OAuth 2.0 user-context tokens (PKCE). ``api`` holds the session
(tweepy's fixed host rewritten to the configured one) and the error mapping, ``media``
the media rules and the chunked upload, ``adapter`` the adapter, ``connector`` the
OAuth flow. The registry calls ``adapter`` and ``connector`` below.
"""

from __future__ import annotations

from publishing.networks.base import Network, NetworkSettings
from publishing.networks.x.adapter import XAdapter
from publishing.networks.x.connector import XConnector

__all__ = ["XAdapter", "XConnector", "network_adapter", "network_connector"]


def network_adapter(network: Network, settings: NetworkSettings) -> XAdapter:
    """Return the X adapter for ``settings``."""
    return XAdapter(settings)


def network_connector(network: Network, settings: NetworkSettings) -> XConnector:
    """Return the X account connector for ``settings``."""
    return XConnector(settings)
