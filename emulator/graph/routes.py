"""Route Graph calls: find the object a path names, then the handler for its edge.

``/{version}/{node}`` and ``/{version}/{node}/{edge}``, where ``node`` is ``me`` or an id:

- ``me`` with a user token, or the person's id: fields; ``accounts`` (GET: the pages,
  each with its page token and ``instagram_business_account``).
- ``me`` with a page token, or the page id: fields; ``feed``/``posts``/``published_posts``
  (GET, ``since``/``until``); ``feed`` (POST ``message``, ``link``, ``attached_media``);
  ``photos`` (POST ``url`` or multipart ``source``, ``caption``, ``published``,
  ``alt_text_custom``); ``conversations`` (GET); ``messages`` (POST, Send API).
- a post ``{page}_{n}``: fields, DELETE; ``comments`` (GET ``filter=stream``, ``order``; POST).
- a comment: fields, POST ``is_hidden``, DELETE; ``comments`` (GET, POST: reply).
- a photo: fields. A conversation ``t_…``: fields; ``messages`` (GET).
- the Instagram account: fields; ``media`` (GET; POST ``image_url``, ``caption``,
  ``alt_text``: a container); ``media_publish`` (POST ``creation_id``);
  ``content_publishing_limit`` (GET).
- an Instagram container: ``status_code``. Instagram media: fields; ``comments`` (GET, POST).
- an Instagram comment: fields, POST ``hide``, DELETE; ``replies`` (GET, POST).

An object that is missing or belongs to another account answers the same error.
Writes to a Facebook page need the page's token (``/me/accounts``); Instagram takes either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import regex
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from emulator.graph import facebook, instagram
from emulator.graph.dialect import DIALECT, reject, unknown_object
from emulator.oauth import authorize_endpoint
from emulator.pipeline import Call, api_route

VERSION = regex.compile(r"v\d+\.\d+")
GraphHandler = Callable[[Call, Any, dict[str, Any]], Awaitable[Response]]

NODE: dict[tuple[str, str], GraphHandler] = {
    ("user", "GET"): facebook.describe_user,
    ("page", "GET"): facebook.describe_page,
    ("post", "GET"): facebook.describe_post,
    ("post", "DELETE"): facebook.delete_object,
    ("comment", "GET"): facebook.describe_post,
    ("comment", "POST"): facebook.update_comment,
    ("comment", "DELETE"): facebook.delete_object,
    ("message", "GET"): facebook.describe_post,
    ("photo", "GET"): facebook.describe_photo,
    ("conversation", "GET"): facebook.describe_conversation,
    ("ig_user", "GET"): instagram.describe_user,
    ("ig_container", "GET"): instagram.describe_container,
    ("ig_media", "GET"): instagram.describe_media,
    ("ig_media", "DELETE"): facebook.delete_object,
    ("ig_comment", "GET"): instagram.describe_comment,
    ("ig_comment", "POST"): instagram.update_comment,
    ("ig_comment", "DELETE"): facebook.delete_object,
}
EDGE: dict[tuple[str, str, str], GraphHandler] = {
    ("user", "accounts", "GET"): facebook.my_pages,
    ("page", "feed", "GET"): facebook.page_posts,
    ("page", "posts", "GET"): facebook.page_posts,
    ("page", "published_posts", "GET"): facebook.page_posts,
    ("page", "feed", "POST"): facebook.publish_feed,
    ("page", "photos", "POST"): facebook.publish_photo,
    ("page", "conversations", "GET"): facebook.conversations,
    ("page", "messages", "POST"): facebook.send_message,
    ("page", "blocked", "POST"): facebook.block_people,
    ("page", "blocked", "DELETE"): facebook.unblock_people,
    ("post", "comments", "GET"): facebook.list_comments,
    ("post", "comments", "POST"): facebook.add_comment,
    ("comment", "comments", "GET"): facebook.list_comments,
    ("comment", "comments", "POST"): facebook.add_comment,
    ("conversation", "messages", "GET"): facebook.conversation_messages,
    ("ig_user", "media", "GET"): instagram.list_media,
    ("ig_user", "media", "POST"): instagram.create_container,
    ("ig_user", "media_publish", "POST"): instagram.publish_container,
    ("ig_user", "content_publishing_limit", "GET"): instagram.publishing_limit,
    ("ig_media", "comments", "GET"): instagram.list_comments,
    ("ig_media", "comments", "POST"): instagram.add_comment,
    ("ig_comment", "replies", "GET"): instagram.list_comments,
    ("ig_comment", "replies", "POST"): instagram.add_comment,
}


def resolve(call: Call, node_id: str) -> tuple[str, Any]:
    """Return (kind, object) for ``node_id``, if it is the calling account's."""
    world, account = call.world, call.account
    if node_id == "me":
        return ("page" if call.token and call.token.as_page else "user"), account
    actor = world.actors_by_id.get(("facebook", node_id))
    if actor is account:
        kinds = {account.id: "page", account.user_id: "user", account.instagram_id: "ig_user"}
        return kinds[node_id], account
    for channel in ("facebook", "instagram"):
        post = world.find_post(channel, node_id)
        if post is not None and post.owner is account:
            if channel == "instagram":
                return ("ig_comment" if post.in_reply_to else "ig_media"), post
            if post.kind == "message":
                return "message", post
            return ("comment" if post.in_reply_to else "post"), post
    container = world.find_media("instagram", node_id)
    if container is not None and container.owner is account:
        return "ig_container", container
    photo = world.find_media("facebook", node_id)
    if photo is not None and photo.owner is account:
        # A published photo is its post: deleting the photo deletes the post.
        carrier = world.posts_where(lambda p: photo in p.media)
        return ("post", carrier[0]) if carrier else ("photo", photo)
    if node_id.startswith("t_") and world.posts_where(
        lambda p: p.conversation == node_id and p.owner is account
    ):
        return "conversation", node_id
    raise unknown_object(node_id)


def _check_version(call: Call) -> None:
    """Refuse a path without a Graph version such as ``v21.0``."""
    version = call.request.path_params["version"]
    if not VERSION.fullmatch(version):
        raise reject(f"Unknown path components: /{version}", 2500)


async def node(call: Call) -> Response:
    """Serve ``/{version}/{node}``: read, update or delete one object."""
    _check_version(call)
    kind, target = resolve(call, call.request.path_params["node"])
    handler = NODE.get((kind, call.request.method))
    if handler is None:
        raise unknown_object(call.request.path_params["node"])
    return await handler(call, target, await call.params())


async def edge(call: Call) -> Response:
    """Serve ``/{version}/{node}/{edge}``: list or create what hangs off an object."""
    _check_version(call)
    kind, target = resolve(call, call.request.path_params["node"])
    name = call.request.path_params["edge"]
    handler = EDGE.get((kind, name, call.request.method))
    if handler is None:
        raise reject(f"(#100) Tried accessing nonexisting field ({name}) on node type ({kind})")
    return await handler(call, target, await call.params())


routes: list[BaseRoute] = [
    Route(
        "/{version}/dialog/oauth",
        authorize_endpoint("facebook", "Facebook", facebook.validate_dialog),
        methods=["GET", "POST"],
    ),
    api_route(
        DIALECT, "/{version}/oauth/access_token", facebook.access_token, ["GET", "POST"], auth=False
    ),
    api_route(DIALECT, "/{version}/{node}", node, ["GET", "POST", "DELETE"]),
    api_route(DIALECT, "/{version}/{node}/{edge}", edge, ["GET", "POST", "DELETE"]),
]
