"""Serve the subset of X API v2 govsocial uses, under ``/x`` with X's own paths.

tweepy's ``Client`` has a fixed host: an adapter mounts a transport adapter on its
session that sends ``https://api.twitter.com/…`` to ``<emulator>/x/…``.

Posts: ``POST /2/tweets``, ``DELETE /2/tweets/{id}``, ``GET /2/tweets/{id}``,
``PUT /2/tweets/{id}/hidden`` (hide replies), ``GET /2/users/me``,
``GET /2/users/{id}/tweets``, ``GET /2/users/{id}/mentions``,
``GET /2/tweets/search/recent`` (operators ``conversation_id:``, ``from:``, ``to:``,
``is:reply``). Media (v2, chunked): ``POST /2/media/upload/initialize``,
``POST /2/media/upload/{id}/append``, ``POST /2/media/upload/{id}/finalize``,
``GET /2/media/upload?command=STATUS&media_id=``, ``POST /2/media/metadata`` (alt text).
OAuth 2.0 with PKCE: ``GET /i/oauth2/authorize`` (a page), ``POST /2/oauth2/token``
(``authorization_code`` with ``code_verifier``; ``refresh_token``, which rotates),
``POST /2/oauth2/revoke``. Rate headers: ``x-rate-limit-limit/-remaining/-reset``.
A post's address on the web, ``/<handle>/status/<id>`` as on x.com, redirects to it on
its account's timeline page.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.ids import new_media_id
from emulator.oauth import AuthorizeRequest, GrantError, authorize_endpoint, redeem, token_answer
from emulator.pages import document, permalink
from emulator.pipeline import Call, Reject, api_route, bearer
from emulator.posting import publish
from emulator.ratelimit import Usage
from emulator.rules.media import ALT_TEXT_LIMITS, LIMITS
from emulator.rules.x import MAX_WEIGHTED_LENGTH, weighted_length
from emulator.state import Actor, Media, Post, Token, World

DEFAULT_SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write")
MEDIA_EXPIRY = 86400
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
# The most posts one lookup by ids may name.
TWEETS_AT_ONCE = 100


def problem(status: int, detail: str = "") -> JSONResponse:
    """Return X's problem document for ``status``."""
    title = HTTPStatus(status).phrase
    body = {"title": title, "detail": detail or title, "type": "about:blank", "status": status}
    return JSONResponse(body, status_code=status)


class XDialect:
    """Word errors and rate headers as X API v2 does."""

    network = "x"

    async def credential(self, request: Request) -> str | None:
        """Return the bearer token (OAuth 2.0 user context)."""
        return bearer(request)

    def auth_error(self, problem_name: str, token: Token | None) -> Response:
        """Answer 401 Unauthorized, whatever is wrong with the token."""
        return problem(401)

    def server_error(self, status: int) -> Response:
        """Answer a problem document with ``status``."""
        return problem(status)

    def throttled(self, usage: Usage, token: Token | None, code: int | None) -> Response:
        """Answer 429 Too Many Requests."""
        return problem(429)

    def usage_headers(self, usage: Usage, account: Actor | None) -> dict[str, str]:
        """Return ``x-rate-limit-*``; the reset is in epoch seconds."""
        return {
            "x-rate-limit-limit": str(usage.limit),
            "x-rate-limit-remaining": str(usage.remaining),
            "x-rate-limit-reset": str(int(usage.reset_at)),
        }

    def invalid(self, message: str) -> Response:
        """Answer 400 with X's invalid-request problem."""
        body = {
            "errors": [{"message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID_REQUEST,
        }
        return JSONResponse(body, status_code=400)


DIALECT = XDialect()


def _reject_invalid(message: str) -> Reject:
    """Return a rejection with X's invalid-request answer."""
    return Reject(DIALECT.invalid(message))


def timestamp(moment: datetime) -> str:
    """Format a time as X does: ``2025-01-31T12:00:00.000Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def media_key(media: Media) -> str:
    """Return X's media key: the type's number, then the id."""
    return {"image": "3", "gif": "16", "video": "7"}[media.kind] + "_" + media.id


def user_json(actor: Actor, fields: set[str], origin: str, world: World) -> dict[str, Any]:
    """Describe a user with the requested ``user.fields``."""
    data: dict[str, Any] = {"id": actor.id, "name": actor.display_name, "username": actor.handle}
    optional = {
        "created_at": lambda: timestamp(actor.created_at),
        "description": lambda: "",
        "profile_image_url": lambda: f"{origin}/avatars/x/{actor.handle}.png",
        "verified": lambda: False,
        "protected": lambda: False,
        "public_metrics": lambda: {
            "followers_count": 0,
            "following_count": 0,
            "tweet_count": len(world.posts_where(lambda p: p.channel == "x" and p.author is actor)),
            "listed_count": 0,
        },
    }
    return data | {name: make() for name, make in optional.items() if name in fields}


def tweet_json(post: Post, fields: set[str], world: World) -> dict[str, Any]:
    """Describe a post with the requested ``tweet.fields``."""
    data: dict[str, Any] = {
        "id": post.id,
        "text": post.text,
        "edit_history_tweet_ids": post.versions or [post.id],
    }
    parent = post.in_reply_to
    optional: dict[str, Any] = {
        "author_id": post.author.id,
        "conversation_id": post.root.id,
        "created_at": timestamp(post.created_at),
        "in_reply_to_user_id": parent.author.id if parent else None,
        "referenced_tweets": [{"type": "replied_to", "id": parent.id}] if parent else None,
        "attachments": {"media_keys": [media_key(m) for m in post.media]} if post.media else None,
    }
    if "public_metrics" in fields:
        optional["public_metrics"] = {
            "retweet_count": 0,
            "reply_count": len(world.replies_to(post)),
            "like_count": 0,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": 0,
        }
    return data | {k: v for k, v in optional.items() if k in fields and v is not None}


def _fields(params: dict[str, Any], name: str) -> set[str]:
    """Return a comma-separated fields parameter as a set."""
    return {f for f in str(params.get(name, "")).split(",") if f}


def tweets_answer(call: Call, posts: list[Post], params: dict[str, Any]) -> JSONResponse:
    """Answer a list of posts (newest first) as X's timelines do: filters, pages, includes."""
    posts = _filtered(posts, params)
    try:
        limit = int(params.get("max_results", 10))
    except ValueError:
        raise _reject_invalid("max_results must be a number") from None
    if not 5 <= limit <= 100:
        raise _reject_invalid("The `max_results` query parameter value is not between 5 and 100")
    token = params.get("pagination_token")
    start = 0
    if token:
        after = _decode_token(str(token))
        ids = [p.id for p in posts]
        start = ids.index(after) if after in ids else len(posts)
    page = posts[start : start + limit]
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta |= {"newest_id": page[0].id, "oldest_id": page[-1].id}
    if start + limit < len(posts):
        meta["next_token"] = _encode_token(posts[start + limit].id)
    body: dict[str, Any] = {"meta": meta}
    tweet_fields = _fields(params, "tweet.fields")
    if page:
        body["data"] = [tweet_json(p, tweet_fields, call.world) for p in page]
    includes = _includes(call, page, params)
    if includes:
        body["includes"] = includes
    return JSONResponse(body)


def _filtered(posts: list[Post], params: dict[str, Any]) -> list[Post]:
    """Apply ``since_id``, ``until_id``, ``start_time``, ``end_time`` and ``exclude``;
    a timeline shows an edited post as its latest version only."""
    since, until = params.get("since_id"), params.get("until_id")
    start, end = _moment(params, "start_time"), _moment(params, "end_time")
    excluded = _fields(params, "exclude")
    kept = []
    for post in posts:
        if post.superseded:
            continue
        if (since and int(post.id) <= int(since)) or (until and int(post.id) >= int(until)):
            continue
        if (start and post.created_at < start) or (end and post.created_at > end):
            continue
        if "replies" in excluded and post.in_reply_to is not None:
            continue
        kept.append(post)
    return kept


def _includes(call: Call, posts: list[Post], params: dict[str, Any]) -> dict[str, Any]:
    """Return the ``includes`` the ``expansions`` parameter asks for."""
    expansions = _fields(params, "expansions")
    includes: dict[str, Any] = {}
    if "author_id" in expansions and posts:
        authors = {p.author.id: p.author for p in posts}
        fields = _fields(params, "user.fields")
        includes["users"] = [
            user_json(a, fields, call.origin, call.world) for a in authors.values()
        ]
    if "attachments.media_keys" in expansions:
        media = [m for p in posts for m in p.media]
        if media:
            fields = _fields(params, "media.fields")
            includes["media"] = [media_json(m, fields) for m in media]
    return includes


def media_json(media: Media, fields: set[str]) -> dict[str, Any]:
    """Describe a file as X's media object, with the requested ``media.fields``: a
    photo has its ``url``, a video or GIF its ``variants`` (X gives neither for an
    upload still being processed)."""
    kinds = {"image": "photo", "gif": "animated_gif", "video": "video"}
    data: dict[str, Any] = {"media_key": media_key(media), "type": kinds[media.kind]}
    served = media.url if media.content else ""
    optional: dict[str, Any] = {
        "url": served if media.kind == "image" and served else None,
        "alt_text": media.alt or None,
        "preview_image_url": served if media.kind != "image" and served else None,
        "variants": (
            [{"bit_rate": 632000, "content_type": "video/mp4", "url": served}]
            if media.kind != "image" and served
            else None
        ),
    }
    return data | {k: v for k, v in optional.items() if k in fields and v is not None}


def _moment(params: dict[str, Any], name: str) -> datetime | None:
    """Return an RFC 3339 time parameter (``2025-01-31T12:00:00Z``, fractions optional).

    Compared as times, not strings: ``12:00:00Z`` (what tweepy sends) must include a post
    made at ``12:00:00.250``.
    """
    value = params.get(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise _reject_invalid(f"The `{name}` query parameter value is not a valid time") from None
    if moment.tzinfo is None:
        raise _reject_invalid(f"The `{name}` query parameter value needs a time zone (Z)")
    return moment


def _encode_token(post_id: str) -> str:
    """Return an opaque pagination token pointing at ``post_id``."""
    return base64.b32encode(post_id.encode()).decode().rstrip("=").lower()


def _decode_token(token: str) -> str:
    """Return the post id behind a pagination token."""
    try:
        padded = token.upper() + "=" * (-len(token) % 8)
        return base64.b32decode(padded).decode()
    except ValueError:
        raise _reject_invalid("The `pagination_token` query parameter value is invalid") from None


# Posts


async def create_tweet(call: Call) -> Response:
    """Publish a post (optionally a reply, optionally with uploaded media)."""
    body = await call.params()
    account = call.account
    text = body.get("text", "")
    media_ids = (body.get("media") or {}).get("media_ids") or []
    reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
    if not isinstance(text, str) or not isinstance(media_ids, list):
        raise _reject_invalid("text must be a string and media.media_ids a list")
    if not text and not media_ids:
        raise _reject_invalid("Requires at least one of: text, media.media_ids")
    if weighted_length(text) > MAX_WEIGHTED_LENGTH:
        raise _reject_invalid(
            "Your Tweet text is too long. For more information on how Twitter determines "
            "text length see https://github.com/twitter/twitter-text."
        )
    parent = None
    if reply_to is not None:
        parent = call.world.find_post("x", str(reply_to))
        if parent is None:
            raise Reject(
                problem(
                    403, "You attempted to reply to a Tweet that is deleted or not visible to you."
                )
            )
    media = _attachable(call.world, account, [str(m) for m in media_ids])
    duplicate = text and call.world.posts_where(
        lambda p: p.channel == "x" and p.author is account and p.text == text
    )
    if duplicate:
        raise Reject(problem(403, "You are not allowed to create a Tweet with duplicate content."))
    post = publish(call.world, "x", account, text, in_reply_to=parent, media=media)
    data = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    return JSONResponse({"data": data}, status_code=201)


def _attachable(world: World, account: Actor, media_ids: list[str]) -> list[Media]:
    """Return the uploads a post may carry, or reject as X does."""
    rule = LIMITS["x"]
    media = [world.find_media("x", media_id) for media_id in media_ids]
    found = [m for m in media if m is not None and m.owner is account]
    if len(found) < len(media) or any(m.state != "succeeded" for m in found):
        raise _reject_invalid("Your media IDs are invalid.")
    if any(time.time() > m.created_at + MEDIA_EXPIRY for m in found):
        raise _reject_invalid("Your media IDs are invalid.")
    motion = [m for m in found if m.kind != "image"]
    if len(found) > rule.max_count or (motion and len(found) > 1):
        raise _reject_invalid(
            "Your media IDs are invalid: a post carries up to 4 images, or 1 video or GIF."
        )
    return found


async def get_tweets(call: Call) -> Response:
    """Return the posts among ``ids`` (comma-separated, at most 100); each missing one is
    an error beside them, as X answers."""
    params = await call.params()
    ids = [i for i in str(params.get("ids", "")).split(",") if i]
    if not ids or len(ids) > TWEETS_AT_ONCE:
        raise _reject_invalid(f"The `ids` query parameter names 1 to {TWEETS_AT_ONCE} posts.")
    found = [call.world.find_post("x", post_id) for post_id in ids]
    posts = [post for post in found if post is not None]
    fields = _fields(params, "tweet.fields")
    body: dict[str, Any] = {}
    if posts:
        body["data"] = [tweet_json(post, fields, call.world) for post in posts]
    errors = [_missing(i) for i, post in zip(ids, found, strict=True) if post is None]
    if errors:
        body["errors"] = errors
    return JSONResponse(body)


async def delete_tweet(call: Call) -> Response:
    """Delete one of the caller's posts."""
    post = call.world.find_post("x", call.request.path_params["id"])
    if post is None:
        raise Reject(_not_found(call.request.path_params["id"]))
    if post.author is not call.account:
        raise Reject(problem(403, "You are not allowed to delete this Tweet."))
    post.deleted = True
    return JSONResponse({"data": {"deleted": True}})


def edit(world: World, post: Post, text: str) -> Post:
    """Have the author of ``post`` edit it as X does: a new post with ``text``, in the
    same place and with the same files; every version names them all, oldest first
    (``edit_history_tweet_ids``), and the earlier ones leave the timelines but can
    still be read by id. Return the new version."""
    latest = world.find_post("x", post.versions[-1]) if post.versions else post
    latest = latest or post
    edited = publish(
        world,
        "x",
        latest.author,
        text,
        in_reply_to=latest.in_reply_to,
        owner=latest.owner,
        kind=latest.kind,
        media=latest.media,
        conversation=latest.conversation,
    )
    versions = latest.versions or [latest.id]
    versions.append(edited.id)
    latest.versions = edited.versions = versions
    latest.superseded = True
    edited.created_at = latest.created_at
    return edited


def _not_found(post_id: str) -> JSONResponse:
    """Return X's answer for a post that does not exist (200 with an error, as X does)."""
    return JSONResponse({"errors": [_missing(post_id)]})


def _missing(post_id: str) -> dict[str, str]:
    """Return X's error for a post that does not exist."""
    return {
        "value": post_id,
        "detail": f"Could not find tweet with id: [{post_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "id",
        "resource_id": post_id,
        "type": NOT_FOUND,
    }


async def get_tweet(call: Call) -> Response:
    """Return one post."""
    params = await call.params()
    post = call.world.find_post("x", call.request.path_params["id"])
    if post is None:
        return _not_found(call.request.path_params["id"])
    body: dict[str, Any] = {"data": tweet_json(post, _fields(params, "tweet.fields"), call.world)}
    includes = _includes(call, [post], params)
    if includes:
        body["includes"] = includes
    return JSONResponse(body)


async def hide_reply(call: Call) -> Response:
    """Hide or unhide a reply in a conversation the caller started (``{"hidden": bool}``)."""
    body = await call.params()
    post_id = call.request.path_params["id"]
    post = call.world.find_post("x", post_id)
    if post is None:
        raise Reject(problem(404, f"Could not find tweet with id: [{post_id}]."))
    hidden = body.get("hidden")
    if not isinstance(hidden, bool):
        raise _reject_invalid("hidden must be true or false")
    if post.in_reply_to is None or post.root.author is not call.account:
        raise Reject(
            problem(403, "You can only hide or unhide replies to conversations you started.")
        )
    post.hidden = hidden
    return JSONResponse({"data": {"hidden": post.hidden}})


async def block_user(call: Call) -> Response:
    """Block a user (``{"target_user_id"}``) as the calling user, named in the path:
    what they write no longer reaches the caller."""
    body = await call.params()
    if call.request.path_params["id"] != call.account.id:
        raise Reject(problem(403, "You can only block users on behalf of the calling user."))
    target = call.world.actors_by_id.get(("x", str(body.get("target_user_id", ""))))
    if target is None or target is call.account:
        raise _reject_invalid("target_user_id must name another user")
    call.world.block(call.account, target.id)
    return JSONResponse({"data": {"blocking": True}})


async def unblock_user(call: Call) -> Response:
    """Lift the calling user's block of the user named last in the path."""
    if call.request.path_params["id"] != call.account.id:
        raise Reject(problem(403, "You can only unblock users on behalf of the calling user."))
    call.world.unblock(call.account, call.request.path_params["target_user_id"])
    return JSONResponse({"data": {"blocking": False}})


async def status_page(request: Request) -> Response:
    """Send X's address of a post (``/<handle>/status/<id>``) to the post on its account's
    timeline page; as on X, the handle in the address does not have to be the author's."""
    world: World = request.app.state.world
    post = world.find_post("x", request.path_params["id"])
    if post is None:
        return document("Not found", "<h1>No such post</h1>", status_code=404)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return RedirectResponse(permalink(origin, post), status_code=302)


async def get_me(call: Call) -> Response:
    """Return the calling user."""
    params = await call.params()
    fields = _fields(params, "user.fields")
    return JSONResponse({"data": user_json(call.account, fields, call.origin, call.world)})


def _user(call: Call) -> Actor:
    """Return the user named by the path's ``id``, or reject as X does."""
    user_id = call.request.path_params["id"]
    actor = call.world.actors_by_id.get(("x", user_id))
    if actor is None:
        raise Reject(problem(404, f"Could not find user with id: [{user_id}]."))
    return actor


async def user_tweets(call: Call) -> Response:
    """Return a user's posts, newest first."""
    user = _user(call)
    posts = call.world.posts_where(lambda p: p.channel == "x" and p.author is user)
    return tweets_answer(call, posts, await call.params())


async def user_mentions(call: Call) -> Response:
    """Return the posts mentioning a user (replies to them included), newest first;
    private messages are not mentions."""
    user = _user(call)
    posts = call.world.posts_where(
        lambda p: (
            p.channel == "x" and p.owner is user and p.author is not user and p.kind != "message"
        )
    )
    return tweets_answer(call, posts, await call.params())


async def search_recent(call: Call) -> Response:
    """Return posts matching a query of ``conversation_id:``, ``from:``, ``to:``, ``is:reply``."""
    params = await call.params()
    wanted: dict[str, str] = {}
    for term in str(params.get("query", "")).split():
        operator, _, value = term.partition(":")
        if operator in ("conversation_id", "from", "to") and value:
            wanted[operator] = value.lower()
        elif term == "is:reply":
            wanted["is"] = "reply"
        elif term not in ("-is:retweet", "-is:quote"):
            raise _reject_invalid(f"The query operator {term!r} is not served by the emulator")
    if not wanted:
        raise _reject_invalid("query is required")

    def matches(post: Post) -> bool:
        """Return whether ``post`` satisfies every operator of the query."""
        parent = post.in_reply_to
        traits = {
            "conversation_id": post.root.id if post.root is not post else None,
            "from": post.author.handle.lower(),
            "to": parent.author.handle.lower() if parent else None,
            "is": "reply" if parent else None,
        }
        return post.channel == "x" and all(traits[k] == v for k, v in wanted.items())

    posts = call.world.posts_where(matches)
    return tweets_answer(call, posts, params)


# Media upload (v2, chunked)


async def media_initialize(call: Call) -> Response:
    """Open an upload: check type and announced size against X's limits."""
    body = await call.params()
    rule = LIMITS["x"]
    mime = str(body.get("media_type", ""))
    if mime not in rule.mime_types:
        raise _reject_invalid(f"media_type {mime!r} is not supported")
    try:
        total = int(body.get("total_bytes", 0))
    except (TypeError, ValueError):
        raise _reject_invalid("total_bytes must be a number") from None
    if not 0 < total <= rule.size_limit(mime):
        raise _reject_invalid(
            f"total_bytes must be between 1 and {rule.size_limit(mime)} for {mime}"
        )
    media = call.world.add_media(
        Media(
            id=new_media_id(call.world, "x"),
            network="x",
            owner=call.account,
            mime=mime,
            size=0,
            state="pending",
            expected_size=total,
        )
    )
    data = {"id": media.id, "media_key": media_key(media), "expires_after_secs": MEDIA_EXPIRY}
    return JSONResponse({"data": data})


def _upload(call: Call) -> Media:
    """Return the caller's upload named by the path's ``id`` (or the ``media_id`` parameter)."""
    media_id = call.request.path_params.get("id") or call.request.query_params.get("media_id", "")
    media = call.world.find_media("x", media_id)
    if media is None or media.owner is not call.account:
        raise _reject_invalid("Invalid media_id")
    return media


async def media_append(call: Call) -> Response:
    """Receive one segment of an upload (multipart ``media`` or base64 ``media_data``)."""
    media = _upload(call)
    form = await call.request.form()
    segment = form.get("media")
    if segment is not None and not isinstance(segment, str):
        chunk = await segment.read()
    elif isinstance(form.get("media_data"), str):
        chunk = base64.b64decode(str(form.get("media_data")))
    else:
        raise _reject_invalid("media is required")
    if media.state != "pending" or media.size + len(chunk) > media.expected_size:
        raise _reject_invalid("Segments add up to more than total_bytes.")
    media.size += len(chunk)
    return JSONResponse({"data": {"expires_at": int(media.created_at) + MEDIA_EXPIRY}})


async def media_finalize(call: Call) -> Response:
    """Close an upload; images are ready at once, videos and GIFs after one STATUS."""
    media = _upload(call)
    if media.state != "pending" or media.size != media.expected_size:
        raise _reject_invalid("Segments do not add up to provided total file size.")
    data = {
        "id": media.id,
        "media_key": media_key(media),
        "size": media.size,
        "expires_after_secs": MEDIA_EXPIRY,
    }
    if media.kind == "image":
        media.state = "succeeded"
    else:
        media.state = "in_progress"
        data["processing_info"] = {"state": "pending", "check_after_secs": 1}
    return JSONResponse({"data": data})


async def media_status(call: Call) -> Response:
    """Report an upload's processing; a video finishes processing by the first check."""
    if call.request.query_params.get("command") != "STATUS":
        raise _reject_invalid("command must be STATUS")
    media = _upload(call)
    if media.state == "in_progress":
        media.state = "succeeded"
    state = media.state if media.state != "pending" else "pending"
    info = {"state": state, "progress_percent": 100 if state == "succeeded" else 0}
    return JSONResponse(
        {"data": {"id": media.id, "media_key": media_key(media), "processing_info": info}}
    )


async def media_metadata(call: Call) -> Response:
    """Set an upload's alt text."""
    body = await call.params()
    media = call.world.find_media("x", str(body.get("id", "")))
    if media is None or media.owner is not call.account:
        raise _reject_invalid("Invalid media id")
    alt = str(((body.get("metadata") or {}).get("alt_text") or {}).get("text", ""))
    if len(alt) > ALT_TEXT_LIMITS["x"]:
        raise _reject_invalid(f"alt_text.text must be at most {ALT_TEXT_LIMITS['x']} characters")
    media.alt = alt
    return JSONResponse(
        {"data": {"id": media.id, "associated_metadata": {"alt_text": {"text": alt}}}}
    )


# OAuth 2.0


def _validate_authorize(world: World, asked: AuthorizeRequest) -> str | None:
    """Refuse what X's authorisation page refuses: no client, no redirect, no PKCE."""
    if not asked.client_id or not asked.redirect_uri:
        return "client_id and redirect_uri are required."
    if not asked.challenge or asked.challenge_method not in ("S256", "plain"):
        return "code_challenge (S256 or plain) is required: X accepts only PKCE."
    return None


def credentials(
    world: World,
    account: Actor,
    *,
    lifetime: int | None = None,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    client_id: str = "",
) -> dict[str, Any]:
    """Issue an access and a refresh token, answered as X's token endpoint does."""
    refresh = "offline.access" in scopes
    answer = token_answer(
        world, account, "x", lifetime=lifetime, scopes=scopes, client_id=client_id, refresh=refresh
    )
    return answer | {"scope": " ".join(scopes)}


def _client_id(call: Call, params: dict[str, Any]) -> str:
    """Return the client id from HTTP Basic authentication or the form."""
    basic = bearer(call.request, schemes=("basic",))
    if basic:
        try:
            return base64.b64decode(basic).decode().partition(":")[0]
        except ValueError:
            return ""
    return str(params.get("client_id", ""))


def _oauth_error(description: str, error: str = "invalid_request") -> Reject:
    """Return a rejection in the OAuth error format X's token endpoint uses."""
    return Reject(JSONResponse({"error": error, "error_description": description}, status_code=400))


async def oauth_token(call: Call) -> Response:
    """Redeem a code (with its PKCE verifier) or a refresh token for tokens."""
    params = await call.params()
    client_id = _client_id(call, params)
    grant_type = params.get("grant_type")
    if grant_type == "authorization_code":
        try:
            grant = redeem(
                call.world,
                str(params.get("code", "")),
                client_id=client_id,
                redirect_uri=str(params.get("redirect_uri", "")),
                verifier=str(params.get("code_verifier", "")),
            )
        except GrantError:
            raise _oauth_error("Value passed for the authorization code was invalid.") from None
        scopes = grant.scopes or DEFAULT_SCOPES
        return JSONResponse(
            credentials(call.world, grant.account, scopes=scopes, client_id=client_id)
        )
    if grant_type == "refresh_token":
        old = call.world.tokens.get(str(params.get("refresh_token", "")))
        if old is None or old.kind != "refresh" or old.expired(time.time()):
            raise _oauth_error("Value passed for the token was invalid.")
        old.revoked = True  # X rotates refresh tokens: each works once
        answer = credentials(call.world, old.actor, scopes=old.scopes, client_id=old.client_id)
        return JSONResponse(answer)
    raise _oauth_error(
        "grant_type must be authorization_code or refresh_token", "unsupported_grant_type"
    )


async def oauth_revoke(call: Call) -> Response:
    """Revoke an access or refresh token."""
    params = await call.params()
    token = call.world.tokens.get(str(params.get("token", "")))
    if token is not None:
        token.revoked = True
    return JSONResponse({"revoked": True})


def _api(path: str, handler: Any, *methods: str, auth: bool = True) -> Route:
    """Return an X API route."""
    return api_route(DIALECT, path, handler, list(methods), auth=auth)


routes: list[BaseRoute] = [
    _api("/2/tweets", create_tweet, "POST"),
    _api("/2/tweets/search/recent", search_recent, "GET"),
    _api("/2/tweets", get_tweets, "GET"),
    _api("/2/tweets/{id}", get_tweet, "GET"),
    _api("/2/tweets/{id}", delete_tweet, "DELETE"),
    _api("/2/tweets/{id}/hidden", hide_reply, "PUT"),
    _api("/2/users/me", get_me, "GET"),
    _api("/2/users/{id}/tweets", user_tweets, "GET"),
    _api("/2/users/{id}/mentions", user_mentions, "GET"),
    _api("/2/users/{id}/blocking", block_user, "POST"),
    _api("/2/users/{id}/blocking/{target_user_id}", unblock_user, "DELETE"),
    _api("/2/media/upload/initialize", media_initialize, "POST"),
    _api("/2/media/upload/{id}/append", media_append, "POST"),
    _api("/2/media/upload/{id}/finalize", media_finalize, "POST"),
    _api("/2/media/upload", media_status, "GET"),
    _api("/2/media/metadata", media_metadata, "POST"),
    _api("/2/oauth2/token", oauth_token, "POST", auth=False),
    _api("/2/oauth2/revoke", oauth_revoke, "POST", auth=False),
    Route(
        "/i/oauth2/authorize",
        authorize_endpoint("x", "X", _validate_authorize),
        methods=["GET", "POST"],
    ),
    Route("/{handle}/status/{id}", status_page, methods=["GET"]),
]
