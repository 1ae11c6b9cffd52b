"""Facebook pages and Instagram professional accounts over Meta's Graph API.

A small typed httpx client (``client``) under two adapters (``facebook``, ``instagram``)
and one Facebook Login connector (``connector``) for both. Graph's base URL and version
come from ``NetworkSettings``; the emulator serves the same paths under ``/graph``.
"""

from __future__ import annotations

from publishing.networks.base import Network, NetworkSettings
from publishing.networks.graph.connector import GraphConnector
from publishing.networks.graph.facebook import FacebookAdapter
from publishing.networks.graph.instagram import InstagramAdapter


def network_adapter(
    network: Network, settings: NetworkSettings
) -> FacebookAdapter | InstagramAdapter:
    """Return the adapter for a Facebook page or an Instagram account."""
    if network == Network.INSTAGRAM:
        return InstagramAdapter(settings)
    return FacebookAdapter(settings)


def network_connector(network: Network, settings: NetworkSettings) -> GraphConnector:
    """Return the Facebook Login flow, which connects pages and Instagram accounts alike."""
    return GraphConnector(network, settings)
