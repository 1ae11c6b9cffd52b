"""Serve the subset of Mastodon's API govsocial uses, under ``/mastodon``.

Mastodon.py takes ``api_base_url=<emulator>/mastodon``. Statuses: ``POST /api/v1/statuses``
(honours ``Idempotency-Key``), ``GET``/``DELETE /api/v1/statuses/{id}``,
``GET /api/v1/statuses/{id}/context``; a citizen's private message is a ``direct``
status that arrives as a mention. Media: ``POST /api/v2/media``,
``GET /api/v1/media/{id}`` (a video can be attached once fetched there: "processed").
Reading: ``GET /api/v1/notifications`` (``types[]``, ``exclude_types[]``,
``since_id``/``min_id``/``max_id``, ``limit``, ``Link`` header),
``GET /api/v1/accounts/verify_credentials``, ``GET /api/v1/accounts/{id}/statuses``,
``GET /api/v1/instance`` and ``/api/v2/instance``. OAuth: ``POST /api/v1/apps``,
``GET /oauth/authorize`` (a page), ``POST /oauth/token`` (``authorization_code``, PKCE
optional), ``POST /oauth/revoke``, ``GET /.well-known/oauth-authorization-server`` (its
URLs are plain http here: Mastodon.py needs ``allow_http=True`` for ``log_in``).
Rate headers: ``X-RateLimit-Limit/-Remaining/-Reset`` (ISO 8601).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.ids import new_media_id
from emulator.oauth import (
    BEARER,
    OOB_REDIRECT,
    AuthorizeRequest,
    GrantError,
    authorize_endpoint,
    redeem,
    token_answer,
)
from emulator.pages import permalink
from emulator.pipeline import Call, Reject, api_route, bearer
from emulator.posting import publish
from emulator.ratelimit import Usage
from emulator.rules.mastodon import MAX_CHARACTERS, URL_LENGTH, status_length
from emulator.rules.media import ALT_TEXT_LIMITS, LIMITS
from emulator.state import Actor, Media, Post, Token, World

VERSION = "4.3.2"
DOMAIN = "mastodon.emulator.test"
DEFAULT_SCOPES = ("read", "write")
IDEMPOTENCY_WINDOW = 3600


@dataclass
class App:
    """Hold an app registered through ``POST /api/v1/apps``."""

    name: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    website: str


def _error(status: int, message: str) -> JSONResponse:
    """Return Mastodon's error body."""
    return JSONResponse({"error": message}, status_code=status)


class MastodonDialect:
    """Word errors and rate headers as Mastodon does."""

    network = "mastodon"

    async def credential(self, request: Request) -> str | None:
        """Return the bearer token."""
        return bearer(request)

    def auth_error(self, problem: str, token: Token | None) -> Response:
        """Answer 401 with Mastodon's words for the token's problem."""
        return _error(
            401,
            "The access token expired" if problem == "expired" else "The access token is invalid",
        )

    def server_error(self, status: int) -> Response:
        """Answer a server error."""
        return _error(status, "We're sorry, but something went wrong on our end.")

    def throttled(self, usage: Usage, token: Token | None, code: int | None) -> Response:
        """Answer 429 Too many requests."""
        return _error(429, "Too many requests")

    def usage_headers(self, usage: Usage, account: Actor | None) -> dict[str, str]:
        """Return ``X-RateLimit-*``; the reset is an ISO 8601 time."""
        reset = datetime.fromtimestamp(usage.reset_at, UTC)
        return {
            "X-RateLimit-Limit": str(usage.limit),
            "X-RateLimit-Remaining": str(usage.remaining),
            "X-RateLimit-Reset": timestamp(reset),
        }

    def invalid(self, message: str) -> Response:
        """Answer 422 Unprocessable Entity, as Mastodon's validations do."""
        return _error(422, message)


DIALECT = MastodonDialect()


def timestamp(moment: datetime) -> str:
    """Format a time as Mastodon does: ``2025-01-31T12:00:00.000Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _reject(message: str, status: int = 422) -> Reject:
    """Return a rejection with Mastodon's error body."""
    return Reject(_error(status, message))


def account_json(actor: Actor, call: Call) -> dict[str, Any]:
    """Describe an account as Mastodon's Account entity."""
    username = actor.handle.split("@")[0]
    avatar = f"{call.origin}/avatars/mastodon/{username}.png"
    statuses = call.world.posts_where(lambda p: p.channel == "mastodon" and p.author is actor)
    return {
        "id": actor.id,
        "username": username,
        "acct": actor.handle,
        "display_name": actor.display_name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": timestamp(
            actor.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
        ),
        "note": "",
        "url": f"{call.origin}/accounts/mastodon/{actor.handle}",
        "uri": f"https://{DOMAIN}/users/{username}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": avatar,
        "header_static": avatar,
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": len(statuses),
        "last_status_at": statuses[0].created_at.date().isoformat() if statuses else None,
        "emojis": [],
        "fields": [],
    }


def media_json(media: Media, call: Call) -> dict[str, Any]:
    """Describe an upload as Mastodon's MediaAttachment entity."""
    ready = media.state == "succeeded"
    url = f"{call.origin}/mastodon/system/media/{media.id}" if ready else None
    if media.content:
        url = media.url  # a citizen's file, served by the media host
    return {
        "id": media.id,
        "type": media.kind if media.kind != "gif" else "gifv",
        "url": url,
        "preview_url": url,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {},
        "description": media.alt or None,
        "blurhash": None,
    }


def status_json(post: Post, call: Call) -> dict[str, Any]:
    """Describe a post as Mastodon's Status entity."""
    parent = post.in_reply_to
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in post.text.split("\n\n") if line)
    return {
        "id": post.id,
        "created_at": timestamp(post.created_at),
        "in_reply_to_id": parent.id if parent else None,
        "in_reply_to_account_id": parent.author.id if parent else None,
        "sensitive": False,
        "spoiler_text": "",
        # A private message is a status only the mentioned account sees: "direct".
        "visibility": post.extra.get(
            "visibility", "direct" if post.kind == "message" else "public"
        ),
        "language": post.extra.get("language", "en"),
        "uri": f"https://{DOMAIN}/users/{post.author.handle.split('@')[0]}/statuses/{post.id}",
        "url": permalink(call.origin, post),
        "replies_count": len(call.world.replies_to(post)),
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": timestamp(post.edited_at) if post.edited_at else None,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "content": paragraphs,
        "filtered": [],
        "reblog": None,
        "application": {"name": post.extra.get("application", "Web"), "website": None},
        "account": account_json(post.author, call),
        "media_attachments": [media_json(m, call) for m in post.media],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def _paged(
    call: Call, items: list[Any], key: Any, params: dict[str, Any], default: int, most: int
) -> tuple[list[Any], dict[str, str]]:
    """Apply ``max_id``/``since_id``/``min_id``/``limit`` to newest-first ``items`` and
    return them with the ``Link`` header Mastodon sends."""
    try:
        limit = min(most, max(1, int(params.get("limit", default))))
    except ValueError:
        raise _reject("limit must be a number", 400) from None
    max_id, since_id, min_id = (params.get(k) for k in ("max_id", "since_id", "min_id"))
    kept = [
        item
        for item in items
        if (not max_id or int(key(item)) < int(max_id))
        and (not since_id or int(key(item)) > int(since_id))
        and (not min_id or int(key(item)) > int(min_id))
    ]
    # min_id pages forward from the oldest; the others page back from the newest.
    page = kept[-limit:] if min_id else kept[:limit]
    if not page:
        return page, {}
    base = f"{call.origin}{call.request.url.path}"
    others = {
        k: v
        for k, v in call.request.query_params.multi_items()
        if k not in ("max_id", "since_id", "min_id")
    }
    older = urlencode([*others.items(), ("max_id", key(page[-1]))])
    newer = urlencode([*others.items(), ("min_id", key(page[0]))])
    return page, {"Link": f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'}


# Statuses


async def post_status(call: Call) -> Response:
    """Publish a status (or replay the one an earlier call with this Idempotency-Key made)."""
    params = await call.params()
    account = call.account
    key = call.request.headers.get("idempotency-key")
    if key:
        earlier = _idempotent(call.world).get((account.id, key))
        if earlier is not None and earlier[1] > time.time() - IDEMPOTENCY_WINDOW:
            return JSONResponse(status_json(earlier[0], call))
    text = str(params.get("status", ""))
    media_ids = params.get("media_ids[]", params.get("media_ids", []))
    media_ids = [str(m) for m in (media_ids if isinstance(media_ids, list) else [media_ids])]
    if not text.strip() and not media_ids:
        raise _reject("Validation failed: Text can't be blank")
    if status_length(text) > MAX_CHARACTERS:
        raise _reject(f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded")
    media = [call.world.find_media("mastodon", m) for m in media_ids]
    attached = [m for m in media if m is not None and m.owner is account]
    if len(attached) < len(media):
        raise _reject("Validation failed: Media attachments are invalid")
    if len(attached) > LIMITS["mastodon"].max_count:
        raise _reject("Cannot attach more than 4 files")
    if len(attached) > 1 and any(m.kind != "image" for m in attached):
        raise _reject("Cannot attach a video to a post that already contains images")
    if any(m.state != "succeeded" for m in attached):
        # Mastodon transcodes videos after upload and refuses them until that is done.
        raise _reject(
            "Cannot attach files that have not finished processing. Try again in a moment!"
        )
    parent = None
    if params.get("in_reply_to_id"):
        parent = call.world.find_post("mastodon", str(params["in_reply_to_id"]))
        if parent is None:
            raise _reject("Record not found", 404)
    post = publish(
        call.world,
        "mastodon",
        account,
        text,
        in_reply_to=parent,
        media=attached,
        extra={
            "visibility": str(params.get("visibility") or "public"),
            "language": str(params.get("language") or "en"),
            "application": call.token.client_id if call.token and call.token.client_id else "Web",
        },
    )
    if key:
        _idempotent(call.world)[(account.id, key)] = (post, time.time())
    return JSONResponse(status_json(post, call))


def _idempotent(world: World) -> dict[tuple[str, str], tuple[Post, float]]:
    """Return the statuses made under each (account, Idempotency-Key)."""
    store: dict[tuple[str, str], tuple[Post, float]] = world.stores.setdefault("mastodon_keys", {})
    return store


def _status(call: Call) -> Post:
    """Return the status named by the path, or answer 404 as Mastodon does."""
    post = call.world.find_post("mastodon", call.request.path_params["id"])
    if post is None:
        raise _reject("Record not found", 404)
    return post


async def get_status(call: Call) -> Response:
    """Return one status."""
    return JSONResponse(status_json(_status(call), call))


async def delete_status(call: Call) -> Response:
    """Delete one of the caller's statuses; answer it with its source text."""
    post = _status(call)
    if post.author is not call.account:
        raise _reject("Record not found", 404)
    post.deleted = True
    return JSONResponse(status_json(post, call) | {"text": post.text})


async def block_account(call: Call) -> Response:
    """Block an account: what it writes no longer reaches the caller. Answer the
    relationship, as Mastodon does."""
    actor = _other_account(call)
    call.world.block(call.account, actor.id)
    return JSONResponse(_relationship(actor, blocking=True))


async def unblock_account(call: Call) -> Response:
    """Lift the caller's block of an account; answer the relationship."""
    actor = _other_account(call)
    call.world.unblock(call.account, actor.id)
    return JSONResponse(_relationship(actor, blocking=False))


def _other_account(call: Call) -> Actor:
    """Return the account the path names, another than the caller's."""
    actor = call.world.actors_by_id.get(("mastodon", call.request.path_params["id"]))
    if actor is None or actor is call.account:
        raise _reject("Record not found", 404)
    return actor


def _relationship(actor: Actor, *, blocking: bool) -> dict[str, Any]:
    """Describe the caller's relationship with ``actor``: only its block is kept here."""
    unkept = (
        "following", "showing_reblogs", "notifying", "followed_by", "blocked_by", "muting",
        "muting_notifications", "requested", "requested_by", "domain_blocking", "endorsed",
    )  # fmt: skip
    return {"id": actor.id, "blocking": blocking, "languages": None, "note": ""} | dict.fromkeys(
        unkept, False
    )


async def status_context(call: Call) -> Response:
    """Return a status's ancestors and descendants (its replies)."""
    post = _status(call)
    ancestors: list[dict[str, Any]] = []
    parent = post.in_reply_to
    while parent is not None:
        ancestors.insert(0, status_json(parent, call))
        parent = parent.in_reply_to
    descendants = [status_json(p, call) for p in call.world.thread_of(post)]
    return JSONResponse({"ancestors": ancestors, "descendants": descendants})


async def account_statuses(call: Call) -> Response:
    """Return an account's statuses, newest first."""
    params = await call.params()
    author = call.world.actors_by_id.get(("mastodon", call.request.path_params["id"]))
    if author is None:
        raise _reject("Record not found", 404)
    exclude_replies = str(params.get("exclude_replies", "")).lower() in ("1", "true")
    posts = call.world.posts_where(
        lambda p: (
            p.channel == "mastodon"
            and p.author is author
            and not (exclude_replies and p.in_reply_to is not None)
        )
    )
    page, headers = _paged(call, posts, lambda p: p.id, params, 20, 40)
    return JSONResponse([status_json(p, call) for p in page], headers=headers)


async def verify_credentials(call: Call) -> Response:
    """Return the calling account with its ``source``."""
    source = {"privacy": "public", "sensitive": False, "language": "en", "note": "", "fields": []}
    return JSONResponse(account_json(call.account, call) | {"source": source})


async def notifications(call: Call) -> Response:
    """Return the account's notifications (mentions, replies included), newest first."""
    params = await call.params()
    account = call.account
    types = params.get("types[]", [])
    excluded = params.get("exclude_types[]", [])
    wanted = "mention" in types or not types
    posts = call.world.posts_where(
        lambda p: p.channel == "mastodon" and p.owner is account and p.author is not account
    )
    if not wanted or "mention" in excluded:
        posts = []
    page, headers = _paged(call, posts, lambda p: p.id, params, 40, 80)
    body = [
        {
            "id": p.id,
            "type": "mention",
            "created_at": timestamp(p.created_at),
            "account": account_json(p.author, call),
            "status": status_json(p, call),
        }
        for p in page
    ]
    return JSONResponse(body, headers=headers)


# Media


async def post_media(call: Call) -> Response:
    """Store an upload: images are ready at once (200); videos answer 202 until fetched."""
    form = await call.request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise _reject("Validation failed: File can't be blank")
    data = await upload.read()
    mime = upload.content_type or "application/octet-stream"
    rule = LIMITS["mastodon"]
    if mime not in rule.mime_types:
        raise _reject("Validation failed: File content type is invalid, File is invalid")
    if len(data) > rule.size_limit(mime):
        raise _reject(
            "Validation failed: File file size must be less than "
            f"{rule.size_limit(mime) // 2**20} MB"
        )
    alt = str(form.get("description") or "")
    if len(alt) > ALT_TEXT_LIMITS["mastodon"]:
        raise _reject(
            "Validation failed: Description is too long "
            f"(maximum is {ALT_TEXT_LIMITS['mastodon']} characters)"
        )
    media = call.world.add_media(
        Media(
            id=new_media_id(call.world, "mastodon"),
            network="mastodon",
            owner=call.account,
            mime=mime,
            size=len(data),
            alt=alt,
            state="succeeded" if mime.startswith("image/") else "in_progress",
        )
    )
    return JSONResponse(
        media_json(media, call), status_code=200 if media.state == "succeeded" else 202
    )


async def get_media(call: Call) -> Response:
    """Return an upload; a video finishes processing by the first fetch."""
    media = call.world.find_media("mastodon", call.request.path_params["id"])
    if media is None or media.owner is not call.account:
        raise _reject("Record not found", 404)
    media.state = "succeeded"
    return JSONResponse(media_json(media, call))


# Instance and OAuth


def _instance_configuration() -> dict[str, Any]:
    """Return the limits an instance advertises."""
    rule = LIMITS["mastodon"]
    return {
        "statuses": {
            "max_characters": MAX_CHARACTERS,
            "max_media_attachments": rule.max_count,
            "characters_reserved_per_url": URL_LENGTH,
        },
        "media_attachments": {
            "supported_mime_types": sorted(rule.mime_types),
            "image_size_limit": rule.max_bytes["image"],
            "video_size_limit": rule.max_bytes["video"],
            "description_limit": ALT_TEXT_LIMITS["mastodon"],
        },
    }


async def instance_v1(call: Call) -> Response:
    """Describe the instance (API v1)."""
    return JSONResponse(
        {
            "uri": DOMAIN,
            "title": "Mastodon (emulated)",
            "short_description": "A local stand-in for a Mastodon server.",
            "description": "A local stand-in for a Mastodon server.",
            "email": f"admin@{DOMAIN}",
            "version": VERSION,
            "urls": {"streaming_api": f"wss://{DOMAIN}"},
            "stats": {
                "user_count": len(call.world.accounts_on("mastodon")),
                "status_count": 0,
                "domain_count": 1,
            },
            "thumbnail": None,
            "languages": ["en", "fr"],
            "registrations": False,
            "approval_required": False,
            "invites_enabled": False,
            "configuration": _instance_configuration(),
            "contact_account": None,
            "rules": [],
        }
    )


async def instance_v2(call: Call) -> Response:
    """Describe the instance (API v2, with ``api_versions``)."""
    return JSONResponse(
        {
            "domain": DOMAIN,
            "title": "Mastodon (emulated)",
            "version": VERSION,
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A local stand-in for a Mastodon server.",
            "usage": {"users": {"active_month": len(call.world.accounts_on("mastodon"))}},
            "thumbnail": {"url": f"{call.origin}/avatars/mastodon/instance.png"},
            "languages": ["en", "fr"],
            "configuration": _instance_configuration() | {"urls": {"streaming": f"wss://{DOMAIN}"}},
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": f"admin@{DOMAIN}", "account": None},
            "rules": [],
            "api_versions": {"mastodon": 2},
        }
    )


def _apps(world: World) -> dict[str, App]:
    """Return the registered apps by client id."""
    store: dict[str, App] = world.registrations.setdefault("mastodon", {})
    return store


async def create_app(call: Call) -> Response:
    """Register an app and return its client id and secret."""
    params = await call.params()
    name = str(params.get("client_name", "")).strip()
    raw_uris = params.get("redirect_uris", OOB_REDIRECT)
    uris = tuple(raw_uris if isinstance(raw_uris, list) else str(raw_uris).split())
    if not name or not uris:
        raise _reject(
            "Validation failed: Application name can't be blank, Redirect URI can't be blank"
        )
    app = App(
        name=name,
        client_id=secrets.token_urlsafe(32),
        client_secret=secrets.token_urlsafe(32),
        redirect_uris=uris,
        scopes=tuple(str(params.get("scopes", "read")).split()),
        website=str(params.get("website") or ""),
    )
    _apps(call.world)[app.client_id] = app
    return JSONResponse(
        {
            "id": str(len(_apps(call.world))),
            "name": app.name,
            "website": app.website or None,
            "scopes": list(app.scopes),
            "redirect_uri": "\n".join(app.redirect_uris),
            "redirect_uris": list(app.redirect_uris),
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "vapid_key": "",
        }
    )


def _validate_authorize(world: World, asked: AuthorizeRequest) -> str | None:
    """Refuse unknown apps and redirect URIs the app did not register."""
    app = _apps(world).get(asked.client_id)
    if app is None:
        return "Client authentication failed due to unknown client."
    if asked.redirect_uri not in app.redirect_uris:
        return "The redirect uri included is not valid."
    return None


def credentials(
    world: World,
    account: Actor,
    *,
    lifetime: int | None = None,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    client_id: str = "",
) -> dict[str, Any]:
    """Issue an access token, answered as Mastodon's token endpoint does."""
    answer = token_answer(
        world, account, "mastodon", lifetime=lifetime, scopes=scopes, client_id=client_id
    )
    # Mastodon capitalises the type and says when, rather than how long.
    return answer | {
        "token_type": BEARER.capitalize(),
        "scope": " ".join(scopes),
        "created_at": int(time.time()),
    }


async def oauth_token(call: Call) -> Response:
    """Redeem an authorisation code for an access token."""
    params = await call.params()
    if params.get("grant_type") != "authorization_code":
        return JSONResponse(
            {
                "error": "unsupported_grant_type",
                "error_description": "The authorization grant type is not supported by the "
                "authorization server.",
            },
            status_code=400,
        )
    app = _apps(call.world).get(str(params.get("client_id", "")))
    if app is None or app.client_secret != params.get("client_secret"):
        return JSONResponse(
            {
                "error": "invalid_client",
                "error_description": "Client authentication failed due to unknown client, no "
                "client authentication included, or unsupported authentication method.",
            },
            status_code=401,
        )
    try:
        grant = redeem(
            call.world,
            str(params.get("code", "")),
            client_id=app.client_id,
            redirect_uri=str(params.get("redirect_uri", "")),
            verifier=str(params.get("code_verifier", "")),
        )
    except GrantError:
        return JSONResponse(
            {
                "error": "invalid_grant",
                "error_description": "The provided authorization grant is invalid, expired, "
                "revoked, does not match the redirection URI used in the authorization request, "
                "or was issued to another client.",
            },
            status_code=400,
        )
    scopes = grant.scopes or app.scopes
    return JSONResponse(credentials(call.world, grant.account, scopes=scopes, client_id=app.name))


async def oauth_revoke(call: Call) -> Response:
    """Revoke a token."""
    params = await call.params()
    token = call.world.tokens.get(str(params.get("token", "")))
    if token is not None:
        token.revoked = True
    return JSONResponse({})


async def authorization_server(call: Call) -> Response:
    """Describe the OAuth server (RFC 8414), as Mastodon 4.3 does."""
    base = f"{call.origin}/mastodon"
    return JSONResponse(
        {
            "issuer": f"{base}/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "scopes_supported": ["read", "write", "push", "follow", "profile"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
    )


def _api(path: str, handler: Any, *methods: str, auth: bool = True) -> Route:
    """Return a Mastodon API route."""
    return api_route(DIALECT, path, handler, list(methods), auth=auth)


routes: list[BaseRoute] = [
    _api("/api/v1/statuses", post_status, "POST"),
    _api("/api/v1/statuses/{id}", get_status, "GET"),
    _api("/api/v1/statuses/{id}", delete_status, "DELETE"),
    _api("/api/v1/statuses/{id}/context", status_context, "GET"),
    _api("/api/v1/accounts/verify_credentials", verify_credentials, "GET"),
    _api("/api/v1/accounts/{id}/statuses", account_statuses, "GET"),
    _api("/api/v1/accounts/{id}/block", block_account, "POST"),
    _api("/api/v1/accounts/{id}/unblock", unblock_account, "POST"),
    _api("/api/v1/notifications", notifications, "GET"),
    _api("/api/v2/media", post_media, "POST"),
    _api("/api/v1/media/{id}", get_media, "GET"),
    # Mastodon.py asks for the instance with a trailing slash.
    *(
        _api(path, instance_v1, "GET", auth=False)
        for path in ("/api/v1/instance", "/api/v1/instance/")
    ),
    *(
        _api(path, instance_v2, "GET", auth=False)
        for path in ("/api/v2/instance", "/api/v2/instance/")
    ),
    _api("/api/v1/apps", create_app, "POST", auth=False),
    _api("/oauth/token", oauth_token, "POST", auth=False),
    _api("/oauth/revoke", oauth_revoke, "POST", auth=False),
    _api("/.well-known/oauth-authorization-server", authorization_server, "GET", auth=False),
    Route(
        "/oauth/authorize",
        authorize_endpoint("mastodon", "Mastodon", _validate_authorize),
        methods=["GET", "POST"],
    ),
]
