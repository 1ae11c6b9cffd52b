"""Point the networks' real client libraries at the emulator, as the adapters will."""

from __future__ import annotations

from typing import Any

import requests
import tweepy
from atproto import Client as BlueskyClient
from mastodon import Mastodon
from requests.adapters import HTTPAdapter

from tests.emulator_client import Emulator

X_HOST = "https://api.twitter.com"
GRAPH = "/graph/v21.0"


class RewriteHost(HTTPAdapter):
    """Send requests for X's fixed host to the emulator's ``/x`` prefix."""

    def __init__(self, target: str) -> None:
        """Remember where X's requests should go."""
        super().__init__()
        self.target = target

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Rewrite the host, then send."""
        request.url = (request.url or "").replace(X_HOST, self.target, 1)
        return super().send(request, *args, **kwargs)


def x_client(emulator: Emulator, token: str) -> tweepy.Client:
    """Return tweepy's v2 client acting with ``token`` (OAuth 2.0 user context)."""
    client = tweepy.Client(bearer_token=token)
    client.session.mount(X_HOST, RewriteHost(emulator.url("/x")))
    return client


def mastodon_client(emulator: Emulator, token: str | None = None, **kwargs: Any) -> Mastodon:
    """Return Mastodon.py acting with ``token``; rate limits raise instead of sleeping."""
    return Mastodon(
        access_token=token,
        api_base_url=emulator.url("/mastodon"),
        ratelimit_method="throw",
        **kwargs,
    )


def bluesky_client(emulator: Emulator) -> BlueskyClient:
    """Return atproto's client for the emulator's PDS."""
    return BlueskyClient(base_url=emulator.url("/bluesky/xrpc"))
