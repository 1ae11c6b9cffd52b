"""Find a network's adapter and connector; modules are imported on first use."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from publishing.networks.base import AccountConnector, Network, NetworkAdapter

# Facebook pages and Instagram professional accounts share the Graph API module.
_MODULES = {
    Network.X: "publishing.networks.x",
    Network.FACEBOOK: "publishing.networks.graph",
    Network.INSTAGRAM: "publishing.networks.graph",
    Network.MASTODON: "publishing.networks.mastodon",
    Network.BLUESKY: "publishing.networks.bluesky",
}


@cache
def _module(network: Network) -> Any:
    return importlib.import_module(_MODULES[network])


def adapter_for(network: Network | str) -> NetworkAdapter:
    """Return the adapter that publishes to ``network``."""
    network = Network(network)
    adapter: NetworkAdapter = _module(network).adapter(network)
    return adapter


def connector_for(network: Network | str) -> AccountConnector:
    """Return the flow that connects an account of ``network``."""
    network = Network(network)
    connector: AccountConnector = _module(network).connector(network)
    return connector
