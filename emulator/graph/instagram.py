"""Serve the page's Instagram professional account: media containers, publishing,
media and comments (Instagram Graph API)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.responses import JSONResponse, Response

from emulator.graph.dialect import (
    graph_time,
    listing,
    reject,
    requested_fields,
    select,
    truthy,
    unknown_object,
)
from emulator.graph.facebook import reply_as_account
from emulator.ids import new_media_id
from emulator.pages import permalink
from emulator.pipeline import Call, Reject
from emulator.posting import publish
from emulator.rules.graph import (
    INSTAGRAM_MAX_CAPTION,
    INSTAGRAM_MAX_HASHTAGS,
    INSTAGRAM_POSTS_PER_DAY,
    hashtag_count,
)
from emulator.state import Actor, Media, Post

DAY = 86400
# Instagram gives up on a slow image server; so does the emulator, sooner.
FETCH_TIMEOUT_SECONDS = 5.0


async def describe_user(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Describe the Instagram professional account."""
    return JSONResponse(user_json(call, account, requested_fields(params)))


def user_json(call: Call, account: Actor, fields: dict[str, str]) -> dict[str, Any]:
    """Describe the Instagram professional account with the requested fields."""
    available = {
        "id": lambda: account.instagram_id,
        "username": lambda: account.handle,
        "name": lambda: account.display_name,
        "profile_picture_url": lambda: f"{call.origin}/avatars/instagram/{account.handle}.png",
        "biography": lambda: "",
        "followers_count": lambda: 0,
        "follows_count": lambda: 0,
        "media_count": lambda: len(_published(call, account)),
    }
    return select(available, fields, ())


def _published(call: Call, account: Actor) -> list[Post]:
    """Return the account's Instagram posts, newest first."""
    return call.world.posts_where(
        lambda p: p.channel == "instagram" and p.owner is account and p.kind == "post"
    )


async def create_container(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Create an image container from ``image_url`` and ``caption`` (and ``alt_text``),
    downloading the image first when the world fetches media."""
    media_type = str(params.get("media_type") or "IMAGE")
    if media_type != "IMAGE":
        raise reject(f"(#100) media_type {media_type} is not served by the emulator (IMAGE only)")
    image_url = str(params.get("image_url") or "")
    if not image_url:
        raise reject("(#100) The parameter image_url is required.")
    if not image_url.startswith(("http://", "https://")):
        raise _unfetchable(image_url)
    mime, size = await _fetched_image(image_url) if call.world.fetch_media else ("image/jpeg", 0)
    caption = str(params.get("caption") or "")
    if len(caption) > INSTAGRAM_MAX_CAPTION:
        raise reject(
            f"(#100) The caption is longer than {INSTAGRAM_MAX_CAPTION} characters.",
            100,
            subcode=2207010,
        )
    if hashtag_count(caption) > INSTAGRAM_MAX_HASHTAGS:
        raise reject(
            f"(#100) The caption has more than {INSTAGRAM_MAX_HASHTAGS} hashtags.",
            100,
            subcode=2207010,
        )
    container = call.world.add_media(
        Media(
            id=new_media_id(call.world, "instagram"),
            network="instagram",
            owner=account,
            mime=mime,
            size=size,
            alt=str(params.get("alt_text") or ""),
            url=image_url,
            caption=caption,
        )
    )
    return JSONResponse({"id": container.id})


def _unfetchable(image_url: str) -> Reject:
    """Return Instagram's refusal of an image it could not download."""
    return reject(
        f"The media could not be fetched from this uri: {image_url}", 9004, subcode=2207052
    )


async def _fetched_image(image_url: str) -> tuple[str, int]:
    """Download the image at ``image_url`` as Instagram does when a container is made;
    return its type and size. Refuse what does not answer 200 with an image at once
    (a redirect to a sign-in page is not an image)."""
    try:
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as client:
            response = await client.get(image_url)
    except httpx.HTTPError:
        raise _unfetchable(image_url) from None
    mime = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if response.status_code != 200 or not mime.startswith("image/") or not response.content:
        raise _unfetchable(image_url)
    return mime, len(response.content)


async def describe_container(call: Call, container: Media, params: dict[str, Any]) -> Response:
    """Report a container's status: ready to publish, or already published."""
    code = "PUBLISHED" if container.used else "FINISHED"
    available = {
        "id": lambda: container.id,
        "status_code": lambda: code,
        "status": lambda: (
            "Published"
            if container.used
            else "Finished: Media has been uploaded and it is ready to be published."
        ),
    }
    return JSONResponse(select(available, requested_fields(params), ("status_code",)))


async def publish_container(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Publish a container as a post, within Instagram's 100 posts a day."""
    creation_id = str(params.get("creation_id") or "")
    if not creation_id:
        raise reject("(#100) The parameter creation_id is required.")
    container = call.world.find_media("instagram", creation_id)
    if container is None or container.owner is not account:
        raise unknown_object(creation_id)
    if container.used:
        raise reject("Media ID is not available", 9007, subcode=2207027)
    since = datetime.fromtimestamp(time.time() - DAY, UTC)
    if (
        len([p for p in _published(call, account) if p.created_at > since])
        >= INSTAGRAM_POSTS_PER_DAY
    ):
        raise reject(
            "The maximum number of posts that were published via the API in the last 24 hours "
            "has been reached.",
            9,
            subcode=2207042,
        )
    post = publish(call.world, "instagram", account, container.caption, media=[container])
    return JSONResponse({"id": post.id})


async def publishing_limit(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """Report how many posts the account published in the last 24 hours."""
    since = datetime.fromtimestamp(time.time() - DAY, UTC)
    used = len([p for p in _published(call, account) if p.created_at > since])
    config = {"quota_total": INSTAGRAM_POSTS_PER_DAY, "quota_duration": DAY}
    return JSONResponse({"data": [{"quota_usage": used, "config": config}]})


def media_json(call: Call, post: Post, fields: dict[str, str]) -> dict[str, Any]:
    """Describe an Instagram post with the requested fields."""
    image = post.media[0] if post.media else None
    available = {
        "id": lambda: post.id,
        "caption": lambda: post.text,
        "media_type": lambda: "IMAGE",
        "media_product_type": lambda: "FEED",
        "media_url": lambda: image.url if image else None,
        "alt_text": lambda: image.alt if image else None,
        "permalink": lambda: permalink(call.origin, post),
        "timestamp": lambda: graph_time(post.created_at),
        "username": lambda: post.owner.handle,
        "comments_count": lambda: len(call.world.thread_of(post)),
        "like_count": lambda: 0,
        "is_comment_enabled": lambda: True,
    }
    return select(available, fields, ())


async def list_media(call: Call, account: Actor, params: dict[str, Any]) -> Response:
    """List the account's posts, newest first."""
    fields = requested_fields(params)
    return listing(
        call,
        _published(call, account),
        lambda p: p.id,
        lambda p: media_json(call, p, fields),
        params,
    )


async def describe_media(call: Call, post: Post, params: dict[str, Any]) -> Response:
    """Describe one post."""
    return JSONResponse(media_json(call, post, requested_fields(params)))


def comment_json(call: Call, comment: Post, fields: dict[str, str]) -> dict[str, Any]:
    """Describe a comment with the requested fields (``replies{…}`` nested)."""
    inner = requested_fields({"fields": fields.get("replies", "")})
    parent = comment.in_reply_to
    available = {
        "id": lambda: comment.id,
        "text": lambda: comment.text,
        "timestamp": lambda: graph_time(comment.created_at),
        "username": lambda: comment.author.handle,
        "from": lambda: {"id": comment.author.id, "username": comment.author.handle},
        "hidden": lambda: comment.hidden,
        "like_count": lambda: 0,
        "media": lambda: {"id": comment.root.id},
        "parent_id": lambda: (
            parent.id if parent is not None and parent.in_reply_to is not None else None
        ),
        "replies": lambda: {
            "data": [comment_json(call, r, inner) for r in call.world.replies_to(comment)]
        },
    }
    selected = select(available, fields, ("timestamp", "text"))
    return {k: v for k, v in selected.items() if v is not None}


async def list_comments(call: Call, target: Post, params: dict[str, Any]) -> Response:
    """List the comments on a post (or the replies to a comment), oldest first."""
    fields = requested_fields(params)
    comments = call.world.replies_to(target)
    return listing(call, comments, lambda c: c.id, lambda c: comment_json(call, c, fields), params)


async def describe_comment(call: Call, comment: Post, params: dict[str, Any]) -> Response:
    """Describe one comment."""
    return JSONResponse(comment_json(call, comment, requested_fields(params)))


async def add_comment(call: Call, target: Post, params: dict[str, Any]) -> Response:
    """Comment on a post, or reply to a comment, as the account (any of its tokens)."""
    return reply_as_account(call, target, params)


async def update_comment(call: Call, comment: Post, params: dict[str, Any]) -> Response:
    """Hide or show a comment (``hide``)."""
    if "hide" not in params:
        raise reject("(#100) The parameter hide is required")
    comment.hidden = truthy(params["hide"])
    return JSONResponse({"success": True})
