"""Run every network call through the same steps, in each network's own words.

The steps: the global latency and any latency faults; the other faults (5xx, 429 or a
Graph throttling code, expired token); authentication; the account's rate limit; the
handler; the rate-limit headers; and, for "accepted then timed out", holding the
finished response back. Each network supplies a ``Dialect`` that says how its errors
and headers look, so the machinery lives here once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.faults import Fault
from emulator.ratelimit import Usage
from emulator.state import Actor, Token, World

FAILING_KINDS = ("server_error", "rate_limit", "token_expired")


class Dialect(Protocol):
    """Say how one network reads credentials and words its errors and rate headers."""

    network: str

    async def credential(self, request: Request) -> str | None:
        """Return the access token the call carries, if any."""

    def auth_error(self, problem: str, token: Token | None) -> Response:
        """Answer a call whose token is ``missing``, ``invalid`` or ``expired``."""

    def server_error(self, status: int) -> Response:
        """Answer with a server error of ``status``."""

    def throttled(self, usage: Usage, token: Token | None, code: int | None) -> Response:
        """Answer a call over the rate limit (``code``: the Graph code a fault asked for)."""

    def usage_headers(self, usage: Usage, account: Actor | None) -> dict[str, str]:
        """Return the rate-limit headers the network sends with every answer."""

    def invalid(self, message: str) -> Response:
        """Answer a request whose parameters the network refuses."""


class Reject(Exception):
    """Stop a handler and answer with ``response`` (a network's error, usually)."""

    def __init__(self, response: Response) -> None:
        """Keep the response to send."""
        super().__init__(response.status_code)
        self.response = response


@dataclass
class Call:
    """Give a handler the request, the world, and the token that authenticated it."""

    request: Request
    world: World
    dialect: Dialect
    token: Token | None

    @property
    def account(self) -> Actor:
        """Return the calling account (only on endpoints that require a token)."""
        if self.token is None:
            raise Reject(self.dialect.auth_error("missing", None))
        return self.token.actor

    @property
    def origin(self) -> str:
        """Return the emulator's own origin, for links in answers."""
        return f"{self.request.url.scheme}://{self.request.url.netloc}"

    async def params(self) -> dict[str, Any]:
        """Return query, form and JSON parameters merged (the body wins)."""
        return await read_params(self.request, self.dialect)


Handler = Callable[[Call], Awaitable[Response]]


def bearer(request: Request, schemes: tuple[str, ...] = ("bearer",)) -> str | None:
    """Return the token of an ``Authorization: Bearer …`` header, if any."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() in schemes else None


async def read_params(request: Request, dialect: Dialect) -> dict[str, Any]:
    """Return query, form and JSON parameters merged; ``name[]`` keys become lists."""
    merged = _flatten(request.query_params)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise Reject(dialect.invalid("The request body is not valid JSON.")) from None
        if not isinstance(body, dict):
            raise Reject(dialect.invalid("The request body must be a JSON object."))
        merged |= body
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        merged |= _flatten(await request.form())
    return merged


def _flatten(values: ImmutableMultiDict[str, Any]) -> dict[str, Any]:
    """Turn a multi-dict into a dict: repeated or ``[]`` keys to lists, others to values."""
    flat: dict[str, Any] = {}
    for key in values:
        items = values.getlist(key)
        flat[key] = items if key.endswith("[]") or len(items) > 1 else items[0]
    return flat


def api_route(
    dialect: Dialect, path: str, handler: Handler, methods: list[str], *, auth: bool = True
) -> Route:
    """Return a route whose calls go through ``run_call``."""

    async def endpoint(request: Request) -> Response:
        """Serve one call of ``handler``."""
        return await run_call(dialect, request, handler, auth=auth)

    return Route(path, endpoint, methods=methods, name=f"{dialect.network}.{handler.__name__}")


async def run_call(dialect: Dialect, request: Request, handler: Handler, *, auth: bool) -> Response:
    """Apply latency, faults, authentication and rate limits around ``handler``."""
    world: World = request.app.state.world
    credential = await dialect.credential(request)
    token = world.tokens.get(credential) if credential else None
    account = token.actor if token else None
    faults = world.faults.take(
        dialect.network, account.handle if account else None, request.method, request.url.path
    )
    delay = world.latency_ms + sum(f.ms for f in faults if f.kind == "latency")
    if delay:
        await asyncio.sleep(delay / 1000)
    now = time.time()
    failing = [f for f in faults if f.kind in FAILING_KINDS]
    if failing:
        return _fault_answer(world, dialect, failing[0], token, now)
    if auth:
        problem = _auth_problem(credential, token, now)
        if problem:
            return dialect.auth_error(problem, token)
    usage = world.limiter.hit(dialect.network, account.id, now) if auth and account else None
    if usage is not None and usage.exhausted:
        response = dialect.throttled(usage, token, None)
    else:
        try:
            response = await handler(Call(request, world, dialect, token))
        except Reject as rejection:
            response = rejection.response
    if usage is not None:
        response.headers.update(dialect.usage_headers(usage, account))
    hold = max((f.hold_ms for f in faults if f.kind == "accepted_timeout"), default=0)
    if hold:
        # The work is done and stored; only the answer is late, past the client's timeout.
        await asyncio.sleep(hold / 1000)
    return response


def _auth_problem(credential: str | None, token: Token | None, now: float) -> str | None:
    """Return what is wrong with the call's token, or None when it may proceed."""
    if not credential:
        return "missing"
    if token is None or token.kind != "access":
        return "invalid"
    if token.expired(now):
        return "expired"
    return None


def _fault_answer(
    world: World, dialect: Dialect, fault: Fault, token: Token | None, now: float
) -> Response:
    """Answer as ``fault`` asks, with the rate headers a throttled answer carries."""
    if fault.kind == "server_error":
        return dialect.server_error(fault.status)
    if fault.kind == "token_expired":
        return dialect.auth_error("expired", token)
    account = token.actor if token else None
    policy = world.limiter.policies[dialect.network]
    usage = Usage.spent(policy.limit, policy.window_seconds, now + fault.reset_in)
    response = dialect.throttled(usage, token, fault.code)
    response.headers.update(dialect.usage_headers(usage, account))
    return response
