"""Push Facebook's and Instagram's notifications to the app's webhook, as Meta does:
the subscription handshake first (``hub.mode=subscribe``, the verify token, a
challenge the app must echo), then each notification POSTed as JSON signed with the
app secret (``X-Hub-Signature-256: sha256=<HMAC-SHA256 hex>``).

Notifications go out one at a time in the order they happened, each tried up to
``ATTEMPTS`` times with growing waits, from a task on the server's event loop, so the
call that caused one is answered without waiting for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger(__name__)

ATTEMPTS = 5
FIRST_WAIT = 0.5
TIMEOUT = 10.0


@dataclass(frozen=True)
class Subscription:
    """Where the app asked Meta to push, and the secrets it shares with Meta."""

    url: str
    verify_token: str
    app_secret: str

    def to_json(self) -> dict[str, str]:
        """Describe the subscription, secrets left out."""
        return {"url": self.url}


class Pushes:
    """Deliver notifications to the subscribed webhook, if there is one."""

    def __init__(self, subscription: Subscription | None) -> None:
        """Start with nothing sent; the handshake comes before the first delivery."""
        self.subscription = subscription
        self.verified = False
        self.delivered = 0
        self.failed = 0
        self._queue: asyncio.Queue[dict[str, Any]] | None = None
        self._sender: asyncio.Task[None] | None = None

    def to_json(self) -> dict[str, Any] | None:
        """Describe the subscription and what was delivered (None: no subscription)."""
        if self.subscription is None:
            return None
        return self.subscription.to_json() | {
            "verified": self.verified,
            "delivered": self.delivered,
            "failed": self.failed,
            "waiting": self._queue.qsize() if self._queue is not None else 0,
        }

    def push(self, notification: dict[str, Any] | None) -> None:
        """Queue ``notification`` for the webhook (nothing when there is no subscription
        or nothing to say). Called on the server's event loop."""
        if self.subscription is None or notification is None:
            return
        if self._queue is None:
            self._queue = asyncio.Queue()
        self._queue.put_nowait(notification)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_all(self._queue))

    async def _send_all(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Send what is queued, in order, until the queue is empty: checked again after
        the client closes, so that a notification queued meanwhile is not left behind."""
        while not queue.empty():
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                while not queue.empty():
                    notification = queue.get_nowait()
                    if await self._deliver(client, self.subscription, notification):
                        self.delivered += 1
                    else:
                        self.failed += 1
                        logger.warning("a notification was not delivered to the webhook")

    async def _deliver(
        self,
        client: httpx.AsyncClient,
        subscription: Subscription | None,
        notification: dict[str, Any],
    ) -> bool:
        """Try to deliver one notification; return whether the webhook took it."""
        if subscription is None:
            return False
        body = json.dumps(notification).encode()
        signature = hmac.new(subscription.app_secret.encode(), body, hashlib.sha256).hexdigest()
        wait = FIRST_WAIT
        for _ in range(ATTEMPTS):
            try:
                if not self.verified:
                    self.verified = await _handshake(client, subscription)
                if self.verified:
                    answer = await client.post(
                        subscription.url,
                        content=body,
                        headers={
                            "Content-Type": "application/json",
                            "X-Hub-Signature-256": f"sha256={signature}",
                        },
                    )
                    if answer.status_code == 200:
                        return True
            except httpx.HTTPError as error:
                logger.info("the webhook did not answer: %s", error)
            await asyncio.sleep(wait)
            wait *= 2
        return False


async def _handshake(client: httpx.AsyncClient, subscription: Subscription) -> bool:
    """Ask the webhook to confirm the subscription; return whether it echoed the
    challenge."""
    challenge = str(secrets.randbelow(10**9))
    answer = await client.get(
        subscription.url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": subscription.verify_token,
            "hub.challenge": challenge,
        },
    )
    return answer.status_code == 200 and answer.text == challenge
