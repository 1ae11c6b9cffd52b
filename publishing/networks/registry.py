"""Find a network's adapter and connector; modules are imported on first use.

Each module exposes ``network_adapter(network, settings)`` and
``network_connector(network, settings)`` (named apart from the ``adapter`` and
``connector`` modules a package may import only when asked); the settings come from
Django's ``NETWORKS`` (see ``govsocial/settings.py``), so an adapter itself never reads
configuration.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from django.conf import settings

from publishing.networks.base import (
    AccountConnector,
    Network,
    NetworkAdapter,
    NetworkSettings,
    PasswordConnector,
)

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


def network_settings(network: Network | str) -> NetworkSettings:
    """Return where ``network``'s API lives and govsocial's credentials there."""
    configured: dict[str, Any] = settings.NETWORKS[Network(network).value]
    return NetworkSettings(**configured, connections=settings.DELIVERY_SENDS_AT_ONCE)


def adapter_for(network: Network | str) -> NetworkAdapter:
    """Return the adapter that publishes to ``network``: one per process and
    configuration, so that its connections are kept and shared by the calls at once."""
    network = Network(network)
    return _adapter(network, network_settings(network))


@cache
def _adapter(network: Network, configured: NetworkSettings) -> NetworkAdapter:
    adapter: NetworkAdapter = _module(network).network_adapter(network, configured)
    return adapter


def connector_for(network: Network | str) -> AccountConnector | PasswordConnector:
    """Return the flow that connects an account of ``network``: OAuth, or an app
    password for Bluesky."""
    network = Network(network)
    connector: AccountConnector | PasswordConnector = _module(network).network_connector(
        network, network_settings(network)
    )
    return connector
