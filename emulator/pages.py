"""Render the emulator's pages: accounts per network, each account's timeline, and the
OAuth authorisation form. Plain HTML that needs no JavaScript."""

from __future__ import annotations

import colorsys
import hashlib
import io
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from PIL import Image, ImageDraw, ImageFont
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from emulator.state import NETWORKS, Actor, Post, World

if TYPE_CHECKING:
    from emulator.oauth import AuthorizeRequest

NAMES = {
    "x": "X",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
}
API_BASES = {
    "x": "/x (X API v2)",
    "facebook": "/graph/v21.0 (Graph API: Facebook pages and Instagram)",
    "mastodon": "/mastodon",
    "bluesky": "/bluesky/xrpc",
}
# The side of the square pictures accounts are given, in pixels.
AVATAR_SIZE = 128
# An account's channels: a Facebook page also publishes to its Instagram account.
CHANNELS_OF = {"facebook": ("facebook", "instagram")}


def anchor(post: Post) -> str:
    """Return the HTML id of ``post`` on its account's timeline page."""
    return "post-" + hashlib.sha256(post.id.encode()).hexdigest()[:16]


def timeline_path(account: Actor) -> str:
    """Return the path of ``account``'s timeline page."""
    return f"/accounts/{account.network}/{quote(account.handle)}"


def permalink(origin: str, post: Post) -> str:
    """Return the public link of ``post``: its place on the owner's timeline page."""
    return f"{origin}{timeline_path(post.owner)}#{anchor(post)}"


def document(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    """Wrap ``body`` in a complete, accessible HTML page."""
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · network emulator</title>
<link rel="stylesheet" href="/static/emulator.css">
</head>
<body>
<header><p><a href="/">Network emulator</a></p></header>
<main>
{body}
</main>
</body>
</html>
"""
    return HTMLResponse(html, status_code=status_code)


async def index(request: Request) -> HTMLResponse:
    """List the accounts of every network, with links to their timelines."""
    world: World = request.app.state.world
    sections = []
    for network in NETWORKS:
        accounts = world.accounts_on(network)
        if accounts:
            items = "".join(
                f'<li><a href="{escape(timeline_path(a))}">{escape(a.display_name)} '
                f"(@{escape(a.handle)})</a>: {_posts_phrase(_count(world, a))}</li>"
                for a in accounts
            )
            listing = f"<ul>{items}</ul>"
        else:
            listing = (
                "<p>No accounts yet: connect one from govsocial, "
                "or add one through the admin API.</p>"
            )
        sections.append(
            f'<section aria-labelledby="net-{network}">'
            f'<h2 id="net-{network}">{escape(NAMES[network])}</h2>'
            f"<p>API: <code>{escape(API_BASES[network])}</code></p>{listing}</section>"
        )
    faults = len(world.faults.active())
    status = (
        f"<p>Latency added to every API call: {world.latency_ms} ms. "
        f"Faults in force: {faults}. Seed: {world.seed}.</p>"
    )
    return document("Accounts", "<h1>Network emulator</h1>" + status + "".join(sections))


async def timeline(request: Request) -> HTMLResponse:
    """Show one account's posts with their replies, its mentions and its messages."""
    world: World = request.app.state.world
    account = world.find_account(request.path_params["network"], request.path_params["handle"])
    if account is None or account.citizen:
        return document("Not found", "<h1>No such account</h1>", status_code=404)
    parts = [f"<h1>{escape(account.display_name)} (@{escape(account.handle)})</h1>"]
    for channel in CHANNELS_OF.get(account.network, (account.network,)):
        posts = [
            p
            for p in world.posts_where(lambda p: p.owner is account and p.kind == "post")
            if p.channel == channel
        ]
        parts.append(_section(f"{channel}-posts", f"Posts on {NAMES[channel]}", posts, world))
    mentions = world.posts_where(lambda p: p.owner is account and p.kind == "mention")
    if mentions:
        parts.append(_section("mentions", "Mentions", mentions, world))
    messages = world.posts_where(lambda p: p.owner is account and p.kind == "message")
    if messages:
        parts.append(_section("messages", "Private messages", messages, world))
    return document(f"@{account.handle}", "".join(parts))


def _posts_phrase(count: int) -> str:
    """Say how many posts, in words that agree with the number."""
    return f"{count} post" if count == 1 else f"{count} posts"


def _count(world: World, account: Actor) -> int:
    """Return how many top-level posts ``account`` has published."""
    return len(
        world.posts_where(lambda p: p.owner is account and p.author is account and p.kind == "post")
    )


def _section(key: str, heading: str, posts: list[Post], world: World) -> str:
    """Render a titled list of posts, each followed by its replies."""
    if not posts:
        body = "<p>Nothing yet.</p>"
    else:
        body = "<ol>" + "".join(f"<li>{_post(p, world)}</li>" for p in posts) + "</ol>"
    return f'<section aria-labelledby="{key}"><h2 id="{key}">{escape(heading)}</h2>{body}</section>'


def _post(post: Post, world: World) -> str:
    """Render one post, its media and (recursively) its replies."""
    media = ""
    if post.media:
        media = (
            "<ul>"
            + "".join(
                f"<li>{escape(m.kind)} ({m.size:,} bytes), alt text: {escape(m.alt or 'none')}</li>"
                for m in post.media
            )
            + "</ul>"
        )
    hidden = " <strong>(hidden)</strong>" if post.hidden else ""
    replies = world.replies_to(post)
    thread = ""
    if replies:
        thread = "<ul>" + "".join(f"<li>{_post(r, world)}</li>" for r in replies) + "</ul>"
    when = post.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f'<article id="{anchor(post)}"><p><strong>{escape(post.author.display_name)}</strong> '
        f"(@{escape(post.author.handle)}) · "
        f'<time datetime="{post.created_at.isoformat()}">{when}</time>'
        f"{hidden}</p><p>{escape(post.text)}</p>{media}</article>{thread}"
    )


def authorize_page(
    world: World,
    network: str,
    title: str,
    asked: AuthorizeRequest,
    values: Mapping[str, Any],
    error: str = "",
) -> HTMLResponse:
    """Ask which fake account to authorise the app as."""
    passed = ("client_id", "redirect_uri", "state", "scope", "code_challenge",
              "code_challenge_method", "response_type")  # fmt: skip
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(str(values[name]))}">'
        for name in passed
        if name in values
    )
    options = "".join(
        f'<option value="{escape(a.handle)}">@{escape(a.handle)}</option>'
        for a in world.accounts_on(network)
    )
    choose = (
        f'<p><label for="existing">An existing account</label> '
        '<select id="existing" name="existing"><option value="">(none)</option>'
        f"{options}</select></p>"
        if options
        else ""
    )
    alert = f'<p role="alert"><strong>{escape(error)}</strong></p>' if error else ""
    scopes = ", ".join(asked.scopes) or "none"
    body = f"""<h1>Authorise an app on {escape(title)}</h1>
{alert}
<p>The app <code>{escape(asked.client_id)}</code> asks for: {escape(scopes)}.</p>
<form method="post">
{hidden}
<fieldset>
<legend>Which account should it act as?</legend>
{choose}
<p><label for="handle">Or a new handle</label>
<input id="handle" name="handle" autocomplete="off"></p>
</fieldset>
<p><button type="submit" name="decision" value="authorise">Authorise</button>
<button type="submit" name="decision" value="cancel">Cancel</button></p>
</form>"""
    return document(f"Authorise on {title}", body, status_code=400 if error else 200)


def code_page(title: str, code: str) -> HTMLResponse:
    """Show the authorisation code to copy (apps without a redirect URI)."""
    body = (
        f"<h1>{escape(title)}: authorisation code</h1>"
        f"<p>Copy this code into the app:</p><p><code>{escape(code)}</code></p>"
    )
    return document("Authorisation code", body)


def problem_page(heading: str, problem: str) -> HTMLResponse:
    """Explain why a page cannot do what was asked."""
    return document(heading, f"<h1>{escape(heading)}</h1><p>{escape(problem)}</p>", status_code=400)


async def avatar(request: Request) -> Response:
    """Draw an account's picture as a PNG, as the networks serve them: its initial on a
    colour derived from its handle."""
    handle = request.path_params["handle"]
    hue = int(hashlib.sha256(handle.encode()).hexdigest()[:4], 16) % 360
    red, green, blue = colorsys.hls_to_rgb(hue / 360, 0.4, 0.45)
    picture = Image.new(
        "RGB", (AVATAR_SIZE, AVATAR_SIZE), (int(red * 255), int(green * 255), int(blue * 255))
    )
    ImageDraw.Draw(picture).text(
        (AVATAR_SIZE / 2, AVATAR_SIZE / 2),
        (handle[:1] or "?").upper(),
        fill="white",
        font=ImageFont.load_default(size=AVATAR_SIZE // 2),
        anchor="mm",
    )
    drawn = io.BytesIO()
    picture.save(drawn, format="PNG")
    return Response(drawn.getvalue(), media_type="image/png")
