"""Serve the OAuth authorisation pages and keep the codes they hand out.

X, Facebook and Mastodon send a person to a page where they approve the app; here
that page asks which fake account to authorise as (an existing one, or a new handle),
then redirects to ``redirect_uri`` with ``code`` and ``state`` (or ``error`` when the
person cancels). The code is bound to the client, the redirect URI and, with PKCE, the
code challenge; the networks' token endpoints redeem it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from emulator import pages
from emulator.state import ACCESS_LIFETIME, REFRESH_LIFETIME, Actor, World

CODE_LIFETIME = 600
# The token type token endpoints answer (RFC 6750).
BEARER = "bearer"
OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"


class GrantError(ValueError):
    """Say why a code cannot be redeemed (wrong client, verifier, used, expired...)."""


@dataclass
class Grant:
    """Remember what a person approved, until the app redeems the code once."""

    account: Actor
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str
    challenge_method: str
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class AuthorizeRequest:
    """Hold the parameters of an authorisation request, as the page passes them on."""

    client_id: str
    redirect_uri: str
    state: str
    scopes: tuple[str, ...]
    challenge: str = ""
    challenge_method: str = ""


def token_answer(
    world: World,
    account: Actor,
    network: str,
    *,
    lifetime: int | None = None,
    scopes: tuple[str, ...] = (),
    client_id: str = "",
    refresh: bool = False,
) -> dict[str, Any]:
    """Issue an access token (and a refresh token when asked) and return the fields every
    token endpoint answers: ``access_token``, ``token_type``, ``expires_in`` when it expires,
    ``refresh_token``."""
    life = ACCESS_LIFETIME[network] if lifetime is None else lifetime
    access = world.issue(account, "access", lifetime=life, scopes=scopes, client_id=client_id)
    answer: dict[str, Any] = {"access_token": access.value, "token_type": BEARER}
    if life is not None:
        answer["expires_in"] = life
    if refresh:
        renewal = world.issue(
            account,
            "refresh",
            lifetime=REFRESH_LIFETIME[network],
            scopes=scopes,
            client_id=client_id,
        )
        answer["refresh_token"] = renewal.value
    return answer


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    """Return whether ``verifier`` answers ``challenge`` (RFC 7636, S256 or plain)."""
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    else:
        expected = verifier
    return hmac.compare_digest(expected, challenge)


def grants(world: World) -> dict[str, Grant]:
    """Return the world's outstanding codes."""
    store: dict[str, Grant] = world.stores.setdefault("oauth_codes", {})
    return store


def redeem(
    world: World, code: str, *, client_id: str, redirect_uri: str, verifier: str = ""
) -> Grant:
    """Return the grant behind ``code``, once; raise GrantError when anything differs."""
    grant = grants(world).get(code)
    if grant is None or grant.expires_at < time.time():
        raise GrantError("unknown or expired code")
    if grant.used:
        raise GrantError("code already used")
    if client_id and grant.client_id != client_id:
        raise GrantError("code issued to another client")
    if redirect_uri != grant.redirect_uri:
        raise GrantError("redirect_uri differs from the authorisation request")
    if grant.challenge and not pkce_matches(verifier, grant.challenge, grant.challenge_method):
        raise GrantError("code_verifier does not match the code_challenge")
    grant.used = True
    return grant


Validator = Callable[[World, AuthorizeRequest], str | None]


def authorize_endpoint(
    network: str, title: str, validate: Validator
) -> Callable[[Request], Awaitable[Response]]:
    """Return the page endpoint (GET shows the form, POST decides) for ``network``."""

    async def endpoint(request: Request) -> Response:
        """Show the authorisation form, or act on the person's choice."""
        world: World = request.app.state.world
        values = await request.form() if request.method == "POST" else request.query_params
        asked = AuthorizeRequest(
            client_id=str(values.get("client_id", "")),
            redirect_uri=str(values.get("redirect_uri", "")),
            state=str(values.get("state", "")),
            scopes=tuple(str(values.get("scope", "")).replace(",", " ").split()),
            challenge=str(values.get("code_challenge", "")),
            challenge_method=str(values.get("code_challenge_method", "plain")),
        )
        problem = validate(world, asked)
        if problem:
            return pages.problem_page(f"{title} cannot authorise this app", problem)
        if request.method == "GET":
            return pages.authorize_page(world, network, title, asked, dict(values))
        if values.get("decision") == "cancel":
            return _back(asked, {"error": "access_denied", "state": asked.state})
        handle = str(values.get("handle") or values.get("existing") or "").strip().lstrip("@")
        if not handle:
            return pages.authorize_page(
                world,
                network,
                title,
                asked,
                dict(values),
                error="Choose an account or type a handle.",
            )
        code = secrets.token_urlsafe(24)
        grants(world)[code] = Grant(
            account=world.account(network, handle),
            client_id=asked.client_id,
            redirect_uri=asked.redirect_uri,
            scopes=asked.scopes,
            challenge=asked.challenge,
            challenge_method=asked.challenge_method,
            expires_at=time.time() + CODE_LIFETIME,
        )
        if asked.redirect_uri == OOB_REDIRECT:
            return pages.code_page(title, code)
        return _back(asked, {"code": code, "state": asked.state})

    return endpoint


def _back(asked: AuthorizeRequest, answer: dict[str, str]) -> Response:
    """Redirect to the app's redirect URI with ``answer`` in the query string."""
    separator = "&" if "?" in asked.redirect_uri else "?"
    query = urlencode({k: v for k, v in answer.items() if v})
    return RedirectResponse(f"{asked.redirect_uri}{separator}{query}", status_code=302)
