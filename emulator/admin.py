"""Serve the admin API under ``/_emulator/``: seed accounts, count posts, set faults.

Tests, the demo and the benchmarks drive the emulator through these JSON endpoints;
``emulator/__init__.py`` documents each of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator import bluesky, mastodon, x
from emulator.citizens import CITIZENS, citizen, say
from emulator.faults import FaultError
from emulator.graph import facebook
from emulator.graph.webhooks import notification
from emulator.media import MediaRefused, attached
from emulator.ratelimit import RatePolicy
from emulator.state import CHANNELS, NETWORK_OF_CHANNEL, NETWORKS, Actor, Post, World
from emulator.webhooks import Pushes, Subscription

CREDENTIALS: dict[str, Callable[..., dict[str, Any]]] = {
    "x": x.credentials,
    "facebook": facebook.credentials,
    "mastodon": mastodon.credentials,
    "bluesky": bluesky.credentials,
}
INBOUND_KINDS = ("reply", "mention", "message")


class AdminError(ValueError):
    """Say why an admin request is refused (answered as 400 with ``{"error": …}``)."""


def _world(request: Request) -> World:
    """Return the app's world."""
    world: World = request.app.state.world
    return world


async def _body(request: Request) -> dict[str, Any]:
    """Return the JSON object in the request body ({} when there is none)."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise AdminError("the body must be JSON") from None
    if not isinstance(body, dict):
        raise AdminError("the body must be a JSON object")
    return body


Endpoint = Callable[[Request], Awaitable[Response]]


def _admin(handler: Endpoint) -> Endpoint:
    """Turn AdminError and FaultError into 400 answers."""

    async def endpoint(request: Request) -> Response:
        """Run ``handler``, answering refusals as JSON."""
        try:
            return await handler(request)
        except (AdminError, FaultError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)

    return endpoint


def _network(value: object, allowed: tuple[str, ...] = NETWORKS) -> str:
    """Return ``value`` if it names a network in ``allowed``."""
    if value not in allowed:
        raise AdminError(f"network must be one of {', '.join(allowed)}")
    return str(value)


def _account(world: World, request: Request) -> Actor:
    """Return the account named by the path's network and handle."""
    network = _network(request.path_params["network"])
    account = world.find_account(network, request.path_params["handle"])
    if account is None or account.citizen:
        raise AdminError(f"no {network} account {request.path_params['handle']!r}")
    return account


async def health(request: Request) -> Response:
    """Answer that the emulator is up."""
    return JSONResponse({"ok": True})


async def reset(request: Request) -> Response:
    """Forget everything; optionally start over with another seed."""
    body = await _body(request)
    seed = body.get("seed")
    if seed is not None and not isinstance(seed, int):
        raise AdminError("seed must be a whole number")
    world = _world(request)
    world.reset(seed=seed)
    return JSONResponse({"ok": True, "seed": world.seed})


def _config(world: World) -> dict[str, Any]:
    """Describe the world's settings."""
    return {
        "latency_ms": world.latency_ms,
        "seed": world.seed,
        "citizens": world.citizens,
        "fetch_media": world.fetch_media,
        "meta_webhook": world.pushes.to_json(),
        "rate_limits": {
            network: {"limit": policy.limit, "window_seconds": policy.window_seconds}
            for network, policy in world.limiter.policies.items()
        },
    }


async def get_config(request: Request) -> Response:
    """Return latency, seed, citizens, media fetching and rate limits."""
    return JSONResponse(_config(_world(request)))


async def put_config(request: Request) -> Response:
    """Change latency, seed, citizens, media fetching or a network's rate limit."""
    body = await _body(request)
    world = _world(request)
    if "latency_ms" in body:
        if not isinstance(body["latency_ms"], int) or body["latency_ms"] < 0:
            raise AdminError("latency_ms must be a whole number >= 0")
        world.latency_ms = body["latency_ms"]
    if "seed" in body:
        if not isinstance(body["seed"], int):
            raise AdminError("seed must be a whole number")
        world.seed = body["seed"]
    if "citizens" in body:
        world.citizens = bool(body["citizens"])
    if "fetch_media" in body:
        world.fetch_media = bool(body["fetch_media"])
    if "meta_webhook" in body:
        world.pushes = Pushes(_subscription(body["meta_webhook"]))
    for network, policy in (body.get("rate_limits") or {}).items():
        _network(network)
        limit, window = policy.get("limit"), policy.get("window_seconds")
        if not isinstance(limit, int) or not isinstance(window, int) or limit < 1 or window < 1:
            raise AdminError("rate_limits need a positive limit and window_seconds")
        world.limiter.set_policy(network, RatePolicy(limit, window))
    return JSONResponse(_config(world))


def _subscription(value: object) -> Subscription | None:
    """Read ``{"url", "verify_token", "app_secret"}`` (or null: no subscription)."""
    if value is None:
        return None
    fields = ("url", "verify_token", "app_secret")
    if not isinstance(value, dict) or not all(isinstance(value.get(f), str) for f in fields):
        raise AdminError("meta_webhook needs url, verify_token and app_secret (or null)")
    if not value["url"].startswith(("http://", "https://")):
        raise AdminError("meta_webhook's url must be an http(s) address")
    return Subscription(value["url"], value["verify_token"], value["app_secret"])


async def list_accounts(request: Request) -> Response:
    """List the accounts, of one network when ``?network=`` says."""
    network = request.query_params.get("network")
    if network is not None:
        _network(network)
    accounts = _world(request).accounts_on(network)
    return JSONResponse({"accounts": [a.to_json() for a in accounts]})


async def create_account(request: Request) -> Response:
    """Create an account (or find it by handle) and issue it fresh tokens."""
    body = await _body(request)
    network = _network(body.get("network"))
    handle = body.get("handle")
    if not isinstance(handle, str) or not handle.strip().lstrip("@"):
        raise AdminError("handle is required")
    world = _world(request)
    existed = world.find_account(network, handle.strip().lstrip("@")) is not None
    account = world.account(
        network, handle.strip().lstrip("@"), display_name=str(body.get("display_name") or "")
    )
    if isinstance(body.get("password"), str) and body["password"]:
        account.password = body["password"]
    answer = account.to_json() | CREDENTIALS[network](world, account)
    return JSONResponse(answer, status_code=200 if existed else 201)


async def issue_tokens(request: Request) -> Response:
    """Issue an account new tokens, optionally with a lifetime in seconds."""
    body = await _body(request)
    world = _world(request)
    account = _account(world, request)
    lifetime = body.get("expires_in")
    if lifetime is not None and (not isinstance(lifetime, int) or lifetime < 0):
        raise AdminError("expires_in must be a whole number of seconds")
    return JSONResponse(CREDENTIALS[account.network](world, account, lifetime=lifetime))


async def expire_tokens(request: Request) -> Response:
    """Expire an account's access tokens; with ``{"refresh": true}`` its refresh tokens too."""
    body = await _body(request)
    world = _world(request)
    account = _account(world, request)
    count = world.expire_tokens(account, refresh=bool(body.get("refresh")))
    return JSONResponse({"expired": count})


async def list_posts(request: Request) -> Response:
    """List stored posts, newest first, filtered by network, account, origin and kind."""
    query = request.query_params
    world = _world(request)
    network = query.get("network")
    if network is not None:
        _network(network, CHANNELS)
    handle = (query.get("account") or "").lower()
    origin = query.get("origin")
    kind = query.get("kind")
    deleted = query.get("include_deleted") in ("1", "true")
    posts = [
        p
        for p in reversed(world.posts.values())
        if (network is None or p.channel == network)
        and (not handle or p.owner.handle.lower() == handle)
        and (origin is None or (origin == "citizen") == p.author.citizen)
        and (kind is None or p.kind == kind)
        and (deleted or not p.deleted)
    ]
    return JSONResponse({"count": len(posts), "posts": [p.to_json() for p in posts]})


async def add_inbound(request: Request) -> Response:
    """Have a citizen reply to a post, mention an account, or write it a private message."""
    body = await _body(request)
    world = _world(request)
    channel = _network(body.get("network"), CHANNELS)
    kind = body.get("kind", "reply")
    if kind not in INBOUND_KINDS:
        raise AdminError(f"kind must be one of {', '.join(INBOUND_KINDS)}")
    account = world.find_account(NETWORK_OF_CHANNEL[channel], str(body.get("account", "")))
    if account is None or account.citizen:
        raise AdminError("account must name an existing account of that network")
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise AdminError("text is required")
    parent = None
    if kind == "reply":
        parent = world.find_post(channel, str(body.get("in_reply_to", "")))
        if parent is None:
            raise AdminError("in_reply_to must name a live post on that network")
    name = str(body.get("citizen") or CITIZENS[0][0])
    display = dict(CITIZENS).get(name, name.replace("_", " ").title())
    author = citizen(world, account.network, name, display)
    if world.blocks(account, author):
        raise AdminError(f"{account.handle} blocked {name}: the network refuses them")
    try:
        origin = f"{request.url.scheme}://{request.url.netloc}"
        media = attached(world, channel, author, body.get("media"), origin=origin)
    except MediaRefused as error:
        raise AdminError(str(error)) from None
    post = say(world, channel, account, author, text, kind=kind, to=parent, media=media)
    return JSONResponse(post.to_json(), status_code=201)


# Where an author may change a post's text after writing it (X makes an edit a new
# post: ``x.edit``); Bluesky's app has no edits, Instagram none for comments.
EDITABLE = ("mastodon", "facebook", "x")


def _citizens_post(request: Request) -> Post:
    """Return the live post the path names, written by a synthetic citizen."""
    channel = _network(request.path_params["network"], CHANNELS)
    post = _world(request).find_post(channel, request.path_params["post_id"])
    if post is None or not post.author.citizen:
        raise AdminError("no live citizen's post on that network has that id")
    return post


async def edit_post(request: Request) -> Response:
    """Have a citizen change the text of what they wrote, where the network allows it."""
    post = _citizens_post(request)
    if post.channel not in EDITABLE:
        raise AdminError(f"{post.channel} does not let its users edit what they wrote")
    text = (await _body(request)).get("text")
    if not isinstance(text, str) or not text:
        raise AdminError("text is required")
    if post.channel == "x":
        return JSONResponse(x.edit(_world(request), post, text).to_json())
    post.text, post.edited_at = text, datetime.now(UTC)
    _world(request).pushes.push(notification(post, "edited"))
    return JSONResponse(post.to_json())


async def delete_post(request: Request) -> Response:
    """Have a citizen delete what they wrote."""
    post = _citizens_post(request)
    post.deleted = True
    if post.channel == "x":
        # X deletes every version of an edited post.
        for version in post.versions:
            found = _world(request).find_post("x", version)
            if found is not None:
                found.deleted = True
    _world(request).pushes.push(notification(post, "remove"))
    return JSONResponse(post.to_json())


async def list_blocked(request: Request) -> Response:
    """List the ids of those an account blocked (``?network=&account=``)."""
    world = _world(request)
    network = _network(request.query_params.get("network"))
    account = world.find_account(network, request.query_params.get("account", ""))
    if account is None or account.citizen:
        raise AdminError("account must name an existing account of that network")
    return JSONResponse({"blocked": sorted(world.blocked.get((network, account.id), set()))})


async def list_faults(request: Request) -> Response:
    """List the faults in force."""
    return JSONResponse({"faults": [f.to_json() for f in _world(request).faults.active()]})


async def add_fault(request: Request) -> Response:
    """Add a fault (see emulator.faults for the fields)."""
    fault = _world(request).faults.add(await _body(request))
    return JSONResponse(fault.to_json(), status_code=201)


async def clear_faults(request: Request) -> Response:
    """Clear every fault."""
    return JSONResponse({"cleared": _world(request).faults.clear()})


async def clear_fault(request: Request) -> Response:
    """Clear one fault by id."""
    raw = request.path_params["fault_id"]
    if not raw.isdigit():
        raise AdminError("fault id must be a number")
    return JSONResponse({"cleared": _world(request).faults.clear(int(raw))})


routes: list[BaseRoute] = [
    Route("/health", _admin(health), methods=["GET"]),
    Route("/reset", _admin(reset), methods=["POST"]),
    Route("/config", _admin(get_config), methods=["GET"]),
    Route("/config", _admin(put_config), methods=["PUT"]),
    Route("/accounts", _admin(list_accounts), methods=["GET"]),
    Route("/accounts", _admin(create_account), methods=["POST"]),
    Route("/accounts/{network}/{handle}/tokens", _admin(issue_tokens), methods=["POST"]),
    Route("/accounts/{network}/{handle}/expire", _admin(expire_tokens), methods=["POST"]),
    Route("/posts", _admin(list_posts), methods=["GET"]),
    Route("/inbound", _admin(add_inbound), methods=["POST"]),
    Route("/posts/{network}/{post_id:path}", _admin(edit_post), methods=["PATCH"]),
    Route("/posts/{network}/{post_id:path}", _admin(delete_post), methods=["DELETE"]),
    Route("/blocked", _admin(list_blocked), methods=["GET"]),
    Route("/faults", _admin(list_faults), methods=["GET"]),
    Route("/faults", _admin(add_fault), methods=["POST"]),
    Route("/faults", _admin(clear_faults), methods=["DELETE"]),
    Route("/faults/{fault_id}", _admin(clear_fault), methods=["DELETE"]),
]
