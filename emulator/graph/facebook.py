"""Serve a Facebook page: the person who manages it, its posts, photos, comments and
private conversations, and the OAuth code exchange."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from emulator.graph.dialect import (
    graph_time,
    in_window,
    listing,
    reject,
    requested_fields,
    select,
    truthy,
)
from emulator.ids import new_media_id
from emulator.oauth import AuthorizeRequest, GrantError, redeem, token_answer
from emulator.pages import permalink
from emulator.pipeline import Call
from emulator.posting import publish
from emulator.rules.graph import FACEBOOK_MAX_MESSAGE
from emulator.rules.media import LIMITS
from emulator.state import Actor, Media, Post, World

PAGE_TASKS = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]


def _page_only(call: Call) -> None:
    """Refuse a write made with a user token: pages publish with their page token."""
    if call.token is None or not call.token.as_page:
        raise reject(
            "(#200) If posting to a page, requires both pages_read_engagement and "
            "pages_manage_posts as an admin with sufficient administrative permission",
            200,
            status=403,
        )


def page_token(world: World, account: Actor) -> str:
    """Return the page's access token (one that never expires), issuing it once."""
    now = time.time()
    for token in world.tokens.values():
        if token.actor is account and token.as_page and not token.expired(now):
            return token.value
    return world.issue(account, "access", lifetime=None, as_page=True).value


def credentials(world: World, account: Actor, *, lifetime: int | None = None) -> dict[str, Any]:
    """Issue a user token (and return the page token), answered as /oauth/access_token does."""
    return _user_token(world, account, lifetime) | {"page_access_token": page_token(world, account)}


def _picture(call: Call, handle: str) -> dict[str, Any]:
    """Return Graph's ``picture`` field."""
    return {"data": {"url": f"{call.origin}/avatars/facebook/{handle}.png", "is_silhouette": False}}


async def describe_user(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Describe the person who manages the page."""
    fields = requested_fields(params)
    available = {
        "id": lambda: account.user_id,
        "name": lambda: f"{account.display_name} (admin)",
        "picture": lambda: _picture(call, account.handle),
    }
    return JSONResponse(select(available, fields, ("name",)))


def page_json(call: Call, account: Actor, fields: dict[str, str]) -> dict[str, Any]:
    """Describe the page with the requested fields."""
    available = {
        "id": lambda: account.id,
        "name": lambda: account.display_name,
        "username": lambda: account.handle,
        "category": lambda: "Government organization",
        "category_list": lambda: [{"id": "2235", "name": "Government organization"}],
        "link": lambda: f"{call.origin}/accounts/facebook/{account.handle}",
        "picture": lambda: _picture(call, account.handle),
        "fan_count": lambda: 0,
        "tasks": lambda: PAGE_TASKS,
        "access_token": lambda: page_token(call.world, account),
        "instagram_business_account": lambda: _instagram_account(call, account, fields),
    }
    return select(available, fields, ("name",))


def _instagram_account(call: Call, account: Actor, fields: dict[str, str]) -> dict[str, Any]:
    """Describe the page's Instagram account with the nested fields asked for
    (``instagram_business_account{id,username}``); just its id otherwise."""
    # Imported here: the Instagram module builds on this one.
    from emulator.graph.instagram import user_json

    inner = requested_fields({"fields": fields.get("instagram_business_account", "")})
    return user_json(call, account, inner or {"id": ""})


async def describe_page(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Describe the page."""
    fields = requested_fields(params)
    fields.pop("access_token", None)  # a page's token is read through /me/accounts
    return JSONResponse(page_json(call, account, fields))


async def my_pages(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """List the pages the person manages, each with its page access token."""
    fields = requested_fields(params) or dict.fromkeys(
        ("access_token", "category", "category_list", "name", "tasks"), ""
    )
    return listing(call, [account], lambda a: a.id, lambda a: page_json(call, a, fields), params)


def post_json(call: Call, post: Post, fields: dict[str, str]) -> dict[str, Any]:
    """Describe a post, comment or message with the requested fields."""
    author = post.author
    sender = {"name": author.display_name, "id": author.id}
    available = {
        "id": lambda: post.id,
        "message": lambda: post.text,
        "created_time": lambda: graph_time(post.created_at),
        "from": lambda: sender,
        "permalink_url": lambda: permalink(call.origin, post),
        "is_hidden": lambda: post.hidden,
        "is_published": lambda: True,
        "parent": lambda: (
            {"id": post.in_reply_to.id}
            if post.in_reply_to and post.in_reply_to.in_reply_to
            else None
        ),
        "comment_count": lambda: len(call.world.replies_to(post)),
        "can_hide": lambda: not author.citizen or post.in_reply_to is not None,
        "full_picture": lambda: post.media[0].url if post.media else None,
        "attachments": lambda: (
            _message_attachments(post)
            if post.kind == "message"
            else {
                "data": [
                    {"media_type": "photo", "target": {"id": m.id}, "description": m.alt}
                    for m in post.media
                ]
            }
        ),
        "attachment": lambda: _comment_attachment(post),
        "to": lambda: {"data": [{"name": post.owner.display_name, "id": post.owner.id}]},
    }
    if post.kind == "message":
        default: tuple[str, ...] = ("message", "created_time")
    elif post.in_reply_to is not None:
        default = ("created_time", "from", "message")
    else:
        default = ("message", "created_time")
    selected = select(available, fields, default)
    return {k: v for k, v in selected.items() if v is not None}


def _comment_attachment(post: Post) -> dict[str, Any] | None:
    """Describe the photo or video a citizen's comment carries (Graph's ``attachment``
    of a comment: one file; none for a post or a comment without one)."""
    if post.in_reply_to is None or post.kind == "message" or not post.media:
        return None
    media = post.media[0]
    if media.kind == "video":
        return {
            "type": "video_inline",
            "media": {"image": {"src": media.url}, "source": media.url},
            "target": {"id": media.id},
            "url": media.url,
        }
    return {
        "type": "photo",
        "media": {"image": {"src": media.url, "width": 8, "height": 8}},
        "target": {"id": media.id, "url": media.url},
        "url": media.url,
        "description": media.alt,
    }


def _message_attachments(post: Post) -> dict[str, Any]:
    """Describe the files a private message carries (a message's ``attachments``)."""
    data = []
    for media in post.media:
        described: dict[str, Any] = {"id": media.id, "mime_type": media.mime, "size": media.size}
        field = "video_data" if media.kind == "video" else "image_data"
        described[field] = {"url": media.url, "preview_url": media.url}
        data.append(described)
    return {"data": data}


async def describe_post(call: Call, post: Post, params: dict[str, Any]) -> Response:
    """Describe a post, comment or message."""
    return JSONResponse(post_json(call, post, requested_fields(params)))


async def describe_photo(call: Call, media: Media, params: dict[str, Any]) -> Response:
    """Describe an uploaded photo."""
    available = {
        "id": lambda: media.id,
        "alt_text_custom": lambda: media.alt,
        "created_time": lambda: graph_time(datetime.fromtimestamp(media.created_at, UTC)),
        "images": lambda: [{"source": media.url}],
    }
    return JSONResponse(select(available, requested_fields(params), ("created_time",)))


async def delete_object(call: Call, post: Post, params: dict[str, Any]) -> Response:
    """Delete a post or comment (and, for a post, the thread under it)."""
    if post.channel == "facebook":
        _page_only(call)
    if post.channel == "instagram" and post.in_reply_to is None:
        raise reject(
            f"Unsupported delete request. Object with ID '{post.id}' does not support "
            "this operation.",
            100,
            subcode=33,
        )
    post.deleted = True
    return JSONResponse({"success": True})


async def block_people(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Block people from the page (``user``, or ``psid`` for someone who wrote to it,
    a comma-separated list): what they write no longer reaches it. Answer each id with
    true, as Graph does."""
    _page_only(call)
    named = str(params.get("user") or params.get("psid") or "")
    ids = [part.strip() for part in named.split(",") if part.strip()]
    if not ids:
        raise reject("(#100) The parameter user is required")
    for person in ids:
        actor = call.world.actors_by_id.get(("facebook", person))
        if actor is None or actor is account:
            raise reject(f"(#100) Invalid user id: {person}")
    for person in ids:
        call.world.block(account, person)
    return JSONResponse(dict.fromkeys(ids, True))


async def unblock_people(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Lift the page's block of people (``user`` or ``psid``); answer success."""
    _page_only(call)
    named = str(params.get("user") or params.get("psid") or "")
    for person in (part.strip() for part in named.split(",")):
        if person:
            call.world.unblock(account, person)
    return JSONResponse({"success": True})


async def page_posts(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """List the page's posts, newest first, within ``since``/``until``."""
    posts = call.world.posts_where(
        lambda p: (
            p.channel == "facebook"
            and p.owner is account
            and p.kind == "post"
            and in_window(p.created_at, params)
        )
    )
    fields = requested_fields(params)
    return listing(call, posts, lambda p: p.id, lambda p: post_json(call, p, fields), params)


def _message_text(params: dict[str, Any]) -> str:
    """Return the ``message`` parameter, refusing one longer than Facebook allows."""
    text = str(params.get("message") or params.get("caption") or "")
    if len(text) > FACEBOOK_MAX_MESSAGE:
        raise reject(
            f"(#100) Param message must be at most {FACEBOOK_MAX_MESSAGE} characters long."
        )
    return text


async def publish_feed(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Publish a page post: a message, a link, or photos uploaded unpublished."""
    _page_only(call)
    text = _message_text(params)
    media = _attached_media(call, account, params)
    link = str(params.get("link") or "")
    if not text and not link and not media:
        raise reject("(#100) Missing message or attachment")
    post = publish(call.world, "facebook", account, text, media=media, extra={"link": link})
    return JSONResponse({"id": post.id})


def _attached_media(call: Call, account: Actor, params: dict[str, Any]) -> list[Media]:
    """Return the unpublished photos named by ``attached_media`` (form or JSON)."""
    raw = params.get("attached_media")
    entries: list[Any] = raw if isinstance(raw, list) else []
    entries += [v for k, v in sorted(params.items()) if k.startswith("attached_media[")]
    media = []
    for entry in entries:
        try:
            described = json.loads(entry) if isinstance(entry, str) else entry
            photo_id = str(described["media_fbid"])
        except (ValueError, KeyError, TypeError):
            raise reject(
                '(#100) attached_media must hold objects like {"media_fbid": "…"}'
            ) from None
        photo = call.world.find_media("facebook", photo_id)
        if photo is None or photo.owner is not account or photo.used:
            raise reject(f"(#100) Invalid media_fbid {photo_id}")
        media.append(photo)
    return media


async def publish_photo(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Upload a photo (``url`` or multipart ``source``); published as a post unless
    ``published=false``, which keeps it for ``attached_media``."""
    _page_only(call)
    rule = LIMITS["facebook"]
    source, url = params.get("source"), str(params.get("url") or "")
    if source is not None and not isinstance(source, str):
        data = await source.read()
        mime = source.content_type or "application/octet-stream"
    elif url.startswith(("http://", "https://")):
        data, mime = b"", "image/jpeg"
    else:
        raise reject("(#324) Requires upload file", 324)
    if mime not in rule.mime_types:
        raise reject("(#100) Invalid image type", 100)
    if len(data) > rule.size_limit(mime):
        raise reject(
            f"(#100) The photo is too large: the limit is {rule.size_limit(mime)} bytes", 100
        )
    photo = call.world.add_media(
        Media(
            id=new_media_id(call.world, "facebook"),
            network="facebook",
            owner=account,
            mime=mime,
            size=len(data),
            alt=str(params.get("alt_text_custom") or ""),
            url=url,
        )
    )
    if params.get("published") is not None and not truthy(params["published"]):
        return JSONResponse({"id": photo.id})
    post = publish(call.world, "facebook", account, _message_text(params), media=[photo])
    return JSONResponse({"id": photo.id, "post_id": post.id})


async def list_comments(call: Call, post: Post, params: dict[str, Any]) -> Response:
    """List a post's comments (``filter=stream``: replies to comments too), oldest first
    unless ``order=reverse_chronological``."""
    if params.get("filter") == "stream":
        comments = call.world.thread_of(post)
    else:
        comments = call.world.replies_to(post)
    comments = [c for c in comments if in_window(c.created_at, params)]
    if params.get("order") == "reverse_chronological":
        comments.reverse()
    fields = requested_fields(params)
    return listing(call, comments, lambda c: c.id, lambda c: post_json(call, c, fields), params)


async def add_comment(call: Call, target: Post, params: dict[str, Any]) -> Response:
    """Comment as the page on a post, or reply to a comment."""
    _page_only(call)
    return reply_as_account(call, target, params)


def reply_as_account(call: Call, target: Post, params: dict[str, Any]) -> Response:
    """Store the calling account's ``message`` as a reply to ``target``."""
    text = _message_text(params)
    if not text:
        raise reject("(#100) Missing message")
    comment = publish(call.world, target.channel, call.account, text, in_reply_to=target)
    return JSONResponse({"id": comment.id})


async def update_comment(call: Call, comment: Post, params: dict[str, Any]) -> Response:
    """Hide or show a comment (``is_hidden``)."""
    _page_only(call)
    if "is_hidden" not in params:
        raise reject("(#100) The parameter is_hidden is required")
    comment.hidden = truthy(params["is_hidden"])
    return JSONResponse({"success": True})


def _conversation(call: Call, conversation: str) -> list[Post]:
    """Return a conversation's messages, newest first."""
    return call.world.posts_where(lambda p: p.kind == "message" and p.conversation == conversation)


def conversation_json(call: Call, conversation: str, fields: dict[str, str]) -> dict[str, Any]:
    """Describe a conversation with the requested fields (``messages{…}`` nested)."""
    messages = _conversation(call, conversation)
    citizen = next((m.author for m in messages if m.author.citizen), messages[-1].author)
    inner = requested_fields({"fields": fields.get("messages", "")})
    available = {
        "id": lambda: conversation,
        "updated_time": lambda: graph_time(messages[0].created_at),
        "message_count": lambda: len(messages),
        "unread_count": lambda: 0,
        "snippet": lambda: messages[0].text[:100],
        "participants": lambda: {
            "data": [{"name": p.display_name, "id": p.id} for p in (citizen, messages[0].owner)]
        },
        "messages": lambda: {"data": [post_json(call, m, inner) for m in messages]},
    }
    return select(available, fields, ("updated_time",))


async def conversations(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """List the page's private conversations, most recently active first."""
    latest = call.world.posts_where(lambda p: p.kind == "message" and p.owner is account)
    ids = list(dict.fromkeys(p.conversation for p in latest))
    fields = requested_fields(params)
    return listing(call, ids, lambda c: c, lambda c: conversation_json(call, c, fields), params)


async def describe_conversation(call: Call, conversation: str, params: dict[str, Any]) -> Response:
    """Describe one conversation."""
    return JSONResponse(conversation_json(call, conversation, requested_fields(params)))


async def conversation_messages(call: Call, conversation: str, params: dict[str, Any]) -> Response:
    """List a conversation's messages, newest first."""
    fields = requested_fields(params)
    messages = _conversation(call, conversation)
    return listing(call, messages, lambda m: m.id, lambda m: post_json(call, m, fields), params)


async def send_message(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Answer a person in private (Send API: ``recipient.id``, ``message.text``)."""
    _page_only(call)
    recipient, message = params.get("recipient"), params.get("message")
    recipient = json.loads(recipient) if isinstance(recipient, str) else recipient
    message = json.loads(message) if isinstance(message, str) else message
    person_id = str((recipient or {}).get("id", ""))
    text = str((message or {}).get("text", ""))
    earlier = call.world.posts_where(
        lambda p: p.kind == "message" and p.owner is account and p.author.id == person_id
    )
    if not earlier or not text:
        raise reject("(#100) No matching user found", 100, subcode=2018001)
    conversation = earlier[0].conversation
    reply = publish(
        call.world, "facebook", account, text, kind="message", conversation=conversation
    )
    return JSONResponse({"recipient_id": person_id, "message_id": reply.id})


def validate_dialog(world: World, asked: AuthorizeRequest) -> str | None:
    """Refuse a login dialog without an app id or a redirect URI."""
    if not asked.client_id or not asked.redirect_uri:
        return "client_id and redirect_uri are required."
    return None


async def access_token(call: Call) -> Response:
    """Exchange a dialog's code (with its PKCE ``code_verifier`` when the dialog was given a
    ``code_challenge``), or a user token (``fb_exchange_token``), for a user token."""
    params = await call.params()
    if params.get("grant_type") == "fb_exchange_token":
        old = call.world.tokens.get(str(params.get("fb_exchange_token", "")))
        if old is None or old.as_page or old.expired(time.time()):
            raise reject("Invalid OAuth access token - Cannot parse access token", 190)
        return JSONResponse(_user_token(call.world, old.actor))
    try:
        grant = redeem(
            call.world,
            str(params.get("code", "")),
            client_id=str(params.get("client_id", "")),
            redirect_uri=str(params.get("redirect_uri", "")),
            verifier=str(params.get("code_verifier", "")),
        )
    except GrantError as error:
        subcode = (
            36008 if "redirect_uri" in str(error) else 36009 if "used" in str(error) else 36007
        )
        raise reject(
            f"Error validating verification code: {error}.", 100, subcode=subcode
        ) from None
    return JSONResponse(_user_token(call.world, grant.account))


def _user_token(world: World, account: Actor, lifetime: int | None = None) -> dict[str, Any]:
    """Issue a long-lived user token in the token endpoint's shape."""
    return token_answer(world, account, "facebook", lifetime=lifetime)
