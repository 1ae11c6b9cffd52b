"""Serve the subset of the AT Protocol (Bluesky's XRPC) govsocial uses, under ``/bluesky``.

atproto's ``Client`` takes ``base_url=<emulator>/bluesky/xrpc``. Sessions:
``com.atproto.server.createSession`` (an unknown handle is created with the password
given; a known one must match), ``refreshSession`` (rotates the refresh token),
``getSession``. Records: ``com.atproto.repo.createRecord`` / ``deleteRecord`` for
``app.bsky.feed.post``, ``com.atproto.repo.uploadBlob``. Reading:
``app.bsky.notification.listNotifications``, ``app.bsky.feed.getPostThread``,
``app.bsky.feed.getAuthorFeed``, ``app.bsky.feed.getPosts``, ``app.bsky.actor.getProfile``,
``com.atproto.identity.resolveHandle``. ``/profile/{handle}/post/{rkey}`` is the web
app's address of a post (as on bsky.app): it leads to the post on the timeline page.
Tokens are JWTs (atproto reads their ``exp``); an expired one answers 400
``ExpiredToken`` as a PDS does. Rate headers: ``ratelimit-limit/-remaining/-reset``
(epoch seconds) and ``ratelimit-policy``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.ids import cid, tid
from emulator.media import blob_ref
from emulator.pages import document, permalink
from emulator.pipeline import Call, Reject, api_route, bearer
from emulator.posting import publish
from emulator.ratelimit import Usage
from emulator.rules.bluesky import MAX_BYTES, MAX_GRAPHEMES, grapheme_count
from emulator.rules.media import ALT_TEXT_LIMITS, LIMITS, sniffed_type
from emulator.state import (
    ACCESS_LIFETIME,
    REFRESH_LIFETIME,
    Actor,
    Media,
    Post,
    Token,
    World,
    page_after,
)

POST_COLLECTION = "app.bsky.feed.post"
BLOCK_COLLECTION = "app.bsky.graph.block"
SERVICE_DID = "did:web:bluesky.emulator.test"
BLOB_LIMIT = 50 * 1024 * 1024
# Signs the emulator's JWTs; they are checked by lookup, so the key only makes them well-formed.
_SIGNING_KEY = secrets.token_bytes(32)


def _error(status: int, error: str, message: str) -> JSONResponse:
    """Return the XRPC error envelope."""
    return JSONResponse({"error": error, "message": message}, status_code=status)


def _reject(message: str, error: str = "InvalidRequest") -> Reject:
    """Return a rejection with a 400 XRPC error."""
    return Reject(_error(400, error, message))


class BlueskyDialect:
    """Word errors and rate headers as a Bluesky PDS does."""

    network = "bluesky"

    async def credential(self, request: Request) -> str | None:
        """Return the bearer JWT."""
        return bearer(request)

    def auth_error(self, problem: str, token: Token | None) -> Response:
        """Answer 401 without a token, 400 ``InvalidToken`` or ``ExpiredToken`` otherwise."""
        if problem == "missing":
            return _error(401, "AuthenticationRequired", "Authentication Required")
        if problem == "expired":
            return _error(400, "ExpiredToken", "Token has expired")
        return _error(400, "InvalidToken", "Token could not be verified")

    def server_error(self, status: int) -> Response:
        """Answer a server error."""
        return _error(status, "InternalServerError", "Internal Server Error")

    def throttled(self, usage: Usage, token: Token | None, code: int | None) -> Response:
        """Answer 429 ``RateLimitExceeded``."""
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded")

    def usage_headers(self, usage: Usage, account: Actor | None) -> dict[str, str]:
        """Return ``ratelimit-*`` (reset in epoch seconds, policy ``limit;w=window``)."""
        return {
            "ratelimit-limit": str(usage.limit),
            "ratelimit-remaining": str(usage.remaining),
            "ratelimit-reset": str(int(usage.reset_at)),
            "ratelimit-policy": f"{usage.limit};w={usage.window_seconds}",
        }

    def invalid(self, message: str) -> Response:
        """Answer 400 ``InvalidRequest``."""
        return _error(400, "InvalidRequest", message)


DIALECT = BlueskyDialect()


def timestamp(moment: datetime) -> str:
    """Format a time as Bluesky does: ``2025-01-31T12:00:00.000Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _jwt(actor: Actor, scope: str, lifetime: int | None) -> str:
    """Return a signed JWT for ``actor`` with the PDS's claims."""
    now = int(time.time())
    claims: dict[str, Any] = {"scope": scope, "sub": actor.id, "aud": SERVICE_DID, "iat": now}
    if lifetime is not None:
        claims["exp"] = now + lifetime
    if scope == "com.atproto.refresh":
        claims["jti"] = secrets.token_urlsafe(16)
    header = {"typ": "refresh+jwt" if scope == "com.atproto.refresh" else "at+jwt", "alg": "HS256"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(_SIGNING_KEY, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    """Encode base64url without padding."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def credentials(world: World, account: Actor, *, lifetime: int | None = None) -> dict[str, Any]:
    """Issue an access and a refresh JWT, answered as createSession does."""
    access_life = lifetime if lifetime is not None else ACCESS_LIFETIME["bluesky"]
    access = _jwt(account, "com.atproto.access", access_life)
    refresh = _jwt(account, "com.atproto.refresh", REFRESH_LIFETIME["bluesky"])
    world.issue(account, "access", lifetime=access_life, value=access)
    world.issue(account, "refresh", lifetime=REFRESH_LIFETIME["bluesky"], value=refresh)
    return {
        "accessJwt": access,
        "refreshJwt": refresh,
        "handle": account.handle,
        "did": account.id,
        "active": True,
    }


def profile_basic(actor: Actor, call: Call) -> dict[str, Any]:
    """Describe an actor as ``app.bsky.actor.defs#profileViewBasic``."""
    return {
        "did": actor.id,
        "handle": actor.handle,
        "displayName": actor.display_name,
        "avatar": f"{call.origin}/avatars/bluesky/{actor.handle}.png",
        "labels": [],
        "createdAt": timestamp(actor.created_at),
    }


def record_of(post: Post) -> dict[str, Any]:
    """Return the post's record: as the client sent it, or built for a citizen's post."""
    if "record" not in post.extra:
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": post.text,
            "createdAt": timestamp(post.created_at),
            "langs": ["en"],
        }
        if post.in_reply_to is not None:
            record["reply"] = {"root": _ref(post.root), "parent": _ref(post.in_reply_to)}
        if post.author.citizen and post.media:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [{"alt": m.alt, "image": blob_ref(m)} for m in post.media],
            }
        mention = f"@{post.owner.handle}"
        start = post.text.find(mention)
        if post.kind == "mention" and start >= 0:
            byte_start = len(post.text[:start].encode())
            record["facets"] = [
                {
                    "index": {
                        "byteStart": byte_start,
                        "byteEnd": byte_start + len(mention.encode()),
                    },
                    "features": [
                        {"$type": "app.bsky.richtext.facet#mention", "did": post.owner.id}
                    ],
                }
            ]
        post.extra["record"] = record
    return dict(post.extra["record"])


def cid_of(post: Post) -> str:
    """Return the post record's CID (a hash of the record, stable once stored)."""
    if "cid" not in post.extra:
        post.extra["cid"] = cid(json.dumps(record_of(post), sort_keys=True).encode())
    return str(post.extra["cid"])


def _ref(post: Post) -> dict[str, str]:
    """Return a strong reference (uri and cid) to ``post``."""
    return {"uri": post.id, "cid": cid_of(post)}


def post_view(post: Post, call: Call) -> dict[str, Any]:
    """Describe a post as ``app.bsky.feed.defs#postView``."""
    view: dict[str, Any] = {
        "$type": "app.bsky.feed.defs#postView",
        "uri": post.id,
        "cid": cid_of(post),
        "author": profile_basic(post.author, call),
        "record": record_of(post),
        "replyCount": len(call.world.replies_to(post)),
        "repostCount": 0,
        "likeCount": 0,
        "quoteCount": 0,
        "indexedAt": timestamp(post.created_at),
        "labels": [],
    }
    if post.media:
        view["embed"] = {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": m.url if m.content else f"{call.origin}/bluesky/blobs/{m.url}",
                    "fullsize": m.url if m.content else f"{call.origin}/bluesky/blobs/{m.url}",
                    "alt": m.alt,
                }
                for m in post.media
            ],
        }
    return view


# Sessions and identity


async def create_session(call: Call) -> Response:
    """Sign in with a handle (or DID) and password; an unknown handle is created."""
    params = await call.params()
    identifier = str(params.get("identifier", "")).strip().lstrip("@")
    password = str(params.get("password", ""))
    if not identifier or not password:
        raise _reject("Input must have the properties identifier and password")
    account = call.world.find_account("bluesky", identifier)
    if account is None:
        if identifier.startswith("did:"):
            raise Reject(_error(401, "AuthenticationRequired", "Invalid identifier or password"))
        account = call.world.account("bluesky", identifier)
        account.password = password
    if not hmac.compare_digest(account.password, password):
        raise Reject(_error(401, "AuthenticationRequired", "Invalid identifier or password"))
    return JSONResponse(credentials(call.world, account))


async def refresh_session(call: Call) -> Response:
    """Trade a refresh JWT for a new pair; the old refresh JWT stops working."""
    token = call.token
    if token is None or token.kind != "refresh":
        raise _reject("Token could not be verified", "InvalidToken")
    if token.expired(time.time()):
        raise _reject(
            "Token has been revoked" if token.revoked else "Token has expired", "ExpiredToken"
        )
    token.revoked = True
    return JSONResponse(credentials(call.world, token.actor))


async def get_session(call: Call) -> Response:
    """Describe the signed-in account."""
    account = call.account
    return JSONResponse({"handle": account.handle, "did": account.id, "active": True})


async def resolve_handle(call: Call) -> Response:
    """Return the DID of a handle."""
    handle = call.request.query_params.get("handle", "")
    account = call.world.find_account("bluesky", handle)
    if account is None:
        raise _reject("Unable to resolve handle")
    return JSONResponse({"did": account.id})


async def get_profile(call: Call) -> Response:
    """Describe an account as ``app.bsky.actor.defs#profileViewDetailed``."""
    actor = _actor(call, call.request.query_params.get("actor", ""))
    posts = call.world.posts_where(lambda p: p.channel == "bluesky" and p.author is actor)
    profile = profile_basic(actor, call) | {
        "description": "",
        "followersCount": 0,
        "followsCount": 0,
        "postsCount": len(posts),
        "indexedAt": timestamp(actor.created_at),
    }
    return JSONResponse(profile)


def _actor(call: Call, handle_or_did: str) -> Actor:
    """Return an account by handle or DID, or reject as the AppView does."""
    actor = call.world.find_account("bluesky", handle_or_did.lstrip("@"))
    if actor is None:
        raise _reject("Profile not found")
    return actor


# Records and blobs


async def upload_blob(call: Call) -> Response:
    """Store a blob sent as the raw request body."""
    data = await call.request.body()
    # Like a PDS, trust the bytes over the declared type (atproto sends */*).
    mime = sniffed_type(data)
    if len(data) > BLOB_LIMIT:
        raise _reject(
            f"This file is too large. It is {len(data)} bytes but the maximum size is "
            f"{BLOB_LIMIT} bytes.",
            "BlobTooLarge",
        )
    link = cid(data, raw=True)
    # Blobs belong to one repository: the same file uploaded by two accounts is two blobs.
    media = call.world.add_media(
        Media(
            id=f"{call.account.id}/{link}",
            network="bluesky",
            owner=call.account,
            mime=mime,
            size=len(data),
            url=link,
        )
    )
    blob = {"$type": "blob", "ref": {"$link": link}, "mimeType": media.mime, "size": media.size}
    return JSONResponse({"blob": blob})


def _own_repo(call: Call, repo: object) -> Actor:
    """Return the caller, if ``repo`` names them (handle or DID)."""
    account = call.account
    if repo not in (account.id, account.handle):
        raise _reject("Input/repo must be the authenticated account", "InvalidRequest")
    return account


async def create_record(call: Call) -> Response:
    """Create an ``app.bsky.feed.post`` record after checking it as the lexicon does."""
    params = await call.params()
    account = _own_repo(call, params.get("repo"))
    if params.get("collection") == BLOCK_COLLECTION:
        return _block(call, account, params.get("record"))
    if params.get("collection") != POST_COLLECTION:
        raise _reject(f"The emulator stores only {POST_COLLECTION} and {BLOCK_COLLECTION} records")
    record = params.get("record")
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise _reject(f'Invalid {POST_COLLECTION} record: Record must have the property "text"')
    text = record["text"]
    if grapheme_count(text) > MAX_GRAPHEMES:
        raise _reject(
            f"Invalid {POST_COLLECTION} record: Record/text must not be longer than "
            f"{MAX_GRAPHEMES} graphemes"
        )
    if len(text.encode()) > MAX_BYTES:
        raise _reject(
            f"Invalid {POST_COLLECTION} record: Record/text must not be longer than "
            f"{MAX_BYTES} characters"
        )
    parent = _reply_parent(call, record.get("reply"))
    media = _embedded_images(call, account, record.get("embed"))
    record = record | {"$type": POST_COLLECTION}
    post = publish(
        call.world,
        "bluesky",
        account,
        text,
        in_reply_to=parent,
        media=media,
        extra={"record": record},
    )
    commit = {"cid": cid(post.id.encode()), "rev": post.id.rsplit("/", 1)[-1]}
    return JSONResponse(
        {"uri": post.id, "cid": cid_of(post), "commit": commit, "validationStatus": "valid"}
    )


def _block(call: Call, account: Actor, record: object) -> Response:
    """Store an ``app.bsky.graph.block`` record: its subject's posts no longer reach
    the account."""
    subject = record.get("subject") if isinstance(record, dict) else None
    if not isinstance(subject, str) or not subject.startswith("did:"):
        raise _reject(f"Invalid {BLOCK_COLLECTION} record: Record/subject must be a did")
    call.world.block(account, subject)
    rkey = tid(call.world.next_number())
    call.world.stores.setdefault("bluesky_blocks", {})[(account.id, rkey)] = subject
    uri = f"at://{account.id}/{BLOCK_COLLECTION}/{rkey}"
    commit = {"cid": cid(uri.encode()), "rev": uri.rsplit("/", 1)[-1]}
    return JSONResponse({"uri": uri, "cid": cid(uri.encode()), "commit": commit})


def _reply_parent(call: Call, reply: object) -> Post | None:
    """Return the post a record replies to, checking both of its references exist."""
    if reply is None:
        return None
    refs = reply if isinstance(reply, dict) else {}
    root, parent = refs.get("root") or {}, refs.get("parent") or {}
    found = [call.world.find_post("bluesky", str(ref.get("uri", ""))) for ref in (root, parent)]
    if found[0] is None or found[1] is None:
        raise _reject(
            f"Invalid {POST_COLLECTION} record: Record/reply must reference existing posts"
        )
    return found[1]


def _embedded_images(call: Call, account: Actor, embed: object) -> list[Media]:
    """Return the uploaded images an ``app.bsky.embed.images`` embed refers to."""
    if not isinstance(embed, dict) or embed.get("$type") != "app.bsky.embed.images":
        return []
    images = embed.get("images")
    rule = LIMITS["bluesky"]
    if not isinstance(images, list) or not 1 <= len(images) <= rule.max_count:
        raise _reject(
            f"Invalid {POST_COLLECTION} record: Record/embed/images must have 1 to "
            f"{rule.max_count} elements"
        )
    found = []
    for index, image in enumerate(images):
        link = (
            str(((image.get("image") or {}).get("ref") or {}).get("$link", ""))
            if isinstance(image, dict)
            else ""
        )
        media = call.world.find_media("bluesky", f"{account.id}/{link}")
        where = f"Invalid {POST_COLLECTION} record: Record/embed/images/{index}"
        if media is None:
            raise _reject(f"{where}/image could not find blob: {link}")
        if media.mime not in rule.mime_types:
            raise _reject(f"{where}/image has the wrong mime type: {media.mime}")
        if media.size > rule.size_limit(media.mime):
            raise _reject(
                f"{where}/image file too large: {media.size} bytes "
                f"(max {rule.size_limit(media.mime)})"
            )
        alt = image.get("alt")
        if not isinstance(alt, str) or len(alt) > ALT_TEXT_LIMITS["bluesky"]:
            raise _reject(
                f"{where}/alt must be a string of at most {ALT_TEXT_LIMITS['bluesky']} characters"
            )
        media.alt = alt
        found.append(media)
    return found


async def delete_record(call: Call) -> Response:
    """Delete one of the caller's posts or blocks (answering the same when it is
    already gone)."""
    params = await call.params()
    account = _own_repo(call, params.get("repo"))
    uri = f"at://{account.id}/{params.get('collection')}/{params.get('rkey')}"
    if params.get("collection") == BLOCK_COLLECTION:
        blocks = call.world.stores.get("bluesky_blocks", {})
        subject = blocks.pop((account.id, str(params.get("rkey"))), None)
        if subject is not None:
            call.world.unblock(account, subject)
    post = call.world.find_post("bluesky", uri)
    if post is not None:
        post.deleted = True
    return JSONResponse({"commit": {"cid": cid(uri.encode()), "rev": str(params.get("rkey"))}})


# Reading


async def list_notifications(call: Call) -> Response:
    """Return replies and mentions of the caller, newest first, paged by ``cursor``."""
    params = await call.params()
    account = call.account
    reasons = params.get("reasons[]", params.get("reasons", []))
    reasons = reasons if isinstance(reasons, list) else [reasons]
    posts = call.world.posts_where(
        lambda p: p.channel == "bluesky" and p.owner is account and p.author is not account
    )
    notes: list[dict[str, Any]] = [
        {
            "uri": p.id,
            "cid": cid_of(p),
            "author": profile_basic(p.author, call) | {"indexedAt": timestamp(p.author.created_at)},
            "reason": "reply" if p.kind == "reply" else "mention",
            **({"reasonSubject": p.in_reply_to.id} if p.in_reply_to is not None else {}),
            "record": record_of(p),
            "isRead": False,
            "indexedAt": timestamp(p.created_at),
            "labels": [],
        }
        for p in posts
    ]
    notes = [n for n in notes if not reasons or n["reason"] in reasons]
    page, cursor = _page(notes, lambda n: str(n["uri"]), params, default=50)
    body: dict[str, Any] = {"notifications": page}
    if cursor:
        body["cursor"] = cursor
    return JSONResponse(body)


def _page(
    items: list[Any], key: Any, params: dict[str, Any], *, default: int
) -> tuple[list[Any], str | None]:
    """Return a page after ``cursor`` and the cursor of the next page."""
    try:
        limit = min(100, max(1, int(params.get("limit", default))))
    except ValueError:
        raise _reject("limit must be a number") from None
    return page_after(items, key, params.get("cursor"), limit)


def _thread(post: Post, call: Call, depth: int) -> dict[str, Any]:
    """Describe ``post`` and its replies (to ``depth`` levels) as a threadViewPost."""
    node: dict[str, Any] = {
        "$type": "app.bsky.feed.defs#threadViewPost",
        "post": post_view(post, call),
    }
    if depth > 0:
        node["replies"] = [_thread(r, call, depth - 1) for r in call.world.replies_to(post)]
    return node


async def get_post_thread(call: Call) -> Response:
    """Return a post with its replies and its parents."""
    params = await call.params()
    uri = str(params.get("uri", ""))
    post = call.world.find_post("bluesky", uri)
    if post is None:
        return _error(400, "NotFound", f"Post not found: {uri}")
    thread = _thread(post, call, int(params.get("depth", 6)))
    node = thread
    parent = post.in_reply_to
    while parent is not None:
        node["parent"] = {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": post_view(parent, call),
        }
        node, parent = node["parent"], parent.in_reply_to
    return JSONResponse({"thread": thread})


async def get_author_feed(call: Call) -> Response:
    """Return an account's posts, newest first (``filter=posts_no_replies`` leaves replies out)."""
    params = await call.params()
    actor = _actor(call, str(params.get("actor", "")))
    no_replies = params.get("filter") == "posts_no_replies"
    posts = call.world.posts_where(
        lambda p: (
            p.channel == "bluesky" and p.author is actor and not (no_replies and p.in_reply_to)
        )
    )
    page, cursor = _page(posts, lambda p: p.id, params, default=50)
    body: dict[str, Any] = {"feed": [{"post": post_view(p, call)} for p in page]}
    if cursor:
        body["cursor"] = cursor
    return JSONResponse(body)


async def get_posts(call: Call) -> Response:
    """Return the live posts among ``uris``."""
    params = await call.params()
    uris = params.get("uris[]", params.get("uris", []))
    uris = uris if isinstance(uris, list) else [uris]
    posts = [call.world.find_post("bluesky", str(uri)) for uri in uris]
    return JSONResponse({"posts": [post_view(p, call) for p in posts if p is not None]})


async def post_page(request: Request) -> Response:
    """Send the web app's address of a post to the post on its account's timeline page."""
    world: World = request.app.state.world
    actor, rkey = request.path_params["actor"].lower(), request.path_params["rkey"]
    found = world.posts_where(
        lambda p: (
            p.channel == "bluesky"
            and p.id.endswith(f"/{POST_COLLECTION}/{rkey}")
            and actor in (p.author.handle.lower(), p.author.id.lower())
        )
    )
    if not found:
        return document("Not found", "<h1>Post not found</h1>", status_code=404)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return RedirectResponse(permalink(origin, found[0]), status_code=302)


def _xrpc(method: str, handler: Any, http_method: str, *, auth: bool = True) -> Route:
    """Return the XRPC route of ``method``."""
    return api_route(DIALECT, f"/xrpc/{method}", handler, [http_method], auth=auth)


routes: list[BaseRoute] = [
    Route("/profile/{actor}/post/{rkey}", post_page, methods=["GET"]),
    _xrpc("com.atproto.server.createSession", create_session, "POST", auth=False),
    _xrpc("com.atproto.server.refreshSession", refresh_session, "POST", auth=False),
    _xrpc("com.atproto.server.getSession", get_session, "GET"),
    _xrpc("com.atproto.identity.resolveHandle", resolve_handle, "GET", auth=False),
    _xrpc("app.bsky.actor.getProfile", get_profile, "GET"),
    _xrpc("com.atproto.repo.uploadBlob", upload_blob, "POST"),
    _xrpc("com.atproto.repo.createRecord", create_record, "POST"),
    _xrpc("com.atproto.repo.deleteRecord", delete_record, "POST"),
    _xrpc("app.bsky.notification.listNotifications", list_notifications, "GET"),
    _xrpc("app.bsky.feed.getPostThread", get_post_thread, "GET"),
    _xrpc("app.bsky.feed.getAuthorFeed", get_author_feed, "GET"),
    _xrpc("app.bsky.feed.getPosts", get_posts, "GET"),
]
