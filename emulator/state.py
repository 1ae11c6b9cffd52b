"""Keep the emulated networks' world in memory: accounts, tokens, media and posts.

Everything a network would store lives here, per account, so a test or a person can
count what reached "the network". The event loop is the only writer, so no locks.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from emulator.faults import FaultBook
from emulator.ratelimit import RateLimiter, RatePolicy
from emulator.webhooks import Pushes, Subscription

# An account lives on one of these; Instagram accounts ride on a Facebook page.
NETWORKS = ("x", "facebook", "mastodon", "bluesky")
# A post appears on one of these.
CHANNELS = ("x", "facebook", "instagram", "mastodon", "bluesky")
NETWORK_OF_CHANNEL = {channel: channel for channel in NETWORKS} | {"instagram": "facebook"}

# Token lifetimes as the networks hand them out (None: until revoked).
ACCESS_LIFETIME: dict[str, int | None] = {
    "x": 7200,
    "facebook": 5_184_000,
    "mastodon": None,
    "bluesky": 7200,
}
REFRESH_LIFETIME: dict[str, int | None] = {
    "x": None,
    "facebook": None,
    "mastodon": None,
    "bluesky": 90 * 86400,
}

T = TypeVar("T")


@dataclass
class Settings:
    """Hold what the command line chose; ``reset`` returns the world to these."""

    latency_ms: int = 0
    seed: int = 0
    citizens: bool = True
    rate_limits: dict[str, RatePolicy] = field(default_factory=dict)
    # Off, the image Instagram is given by address is taken on trust: tests publish
    # with no web server to fetch from. ``run`` turns it on.
    fetch_media: bool = False
    # Where Facebook and Instagram push notifications, once the app subscribed.
    meta_webhook: Subscription | None = None


def stable_number(*parts: str, digits: int) -> int:
    """Return a number of ``digits`` digits derived from ``parts``, the same on every run."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    low = 10 ** (digits - 1)
    return low + int.from_bytes(digest[:12], "big") % (9 * low)


@dataclass(eq=False)
class Actor:
    """Name someone who posts on a network: an account govsocial manages, or a citizen."""

    network: str
    id: str
    handle: str
    display_name: str
    citizen: bool = False
    password: str = ""
    # Facebook only: the person who manages the page, and the page's Instagram account.
    user_id: str = ""
    instagram_id: str = ""
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    root_posts: int = 0

    def to_json(self) -> dict[str, Any]:
        """Describe the account for the admin API."""
        described: dict[str, Any] = {
            "network": self.network,
            "handle": self.handle,
            "id": self.id,
            "display_name": self.display_name,
        }
        if self.network == "facebook":
            described |= {"user_id": self.user_id, "instagram_id": self.instagram_id}
        if self.network == "bluesky":
            described |= {"did": self.id, "password": self.password}
        return described


@dataclass(eq=False)
class Token:
    """Grant an account access (or the right to refresh access) until it expires."""

    value: str
    kind: str  # "access" or "refresh"
    actor: Actor
    expires_at: float | None
    scopes: tuple[str, ...] = ()
    client_id: str = ""
    # Facebook: a page token acts as the page, a user token as the person.
    as_page: bool = False
    revoked: bool = False

    def expired(self, now: float) -> bool:
        """Return whether the token no longer works."""
        return self.revoked or (self.expires_at is not None and now >= self.expires_at)


@dataclass(eq=False)
class Media:
    """Hold an uploaded file (or an Instagram container) until a post uses it."""

    id: str
    network: str
    owner: Actor
    mime: str
    size: int
    alt: str = ""
    url: str = ""
    caption: str = ""
    state: str = "succeeded"  # X: "pending" until finalised; video "in_progress" once
    expected_size: int = 0
    used: bool = False
    created_at: float = field(default_factory=time.time)
    # The bytes, for a file a citizen attached: served at ``/media/<network>/<id>``.
    content: bytes = b""

    @property
    def kind(self) -> str:
        """Return ``image``, ``gif`` or ``video``."""
        if self.mime == "image/gif":
            return "gif"
        return "video" if self.mime.startswith("video/") else "image"

    def to_json(self) -> dict[str, Any]:
        """Describe the file for the admin API."""
        described = {"id": self.id, "type": self.mime, "size": self.size, "alt": self.alt}
        return described | ({"url": self.url} if self.url else {})


@dataclass(eq=False)
class Post:
    """Hold one post, reply, comment, mention or private message as the network stored it."""

    id: str
    channel: str
    owner: Actor  # whose timeline, thread or inbox it belongs to
    author: Actor
    text: str
    kind: str  # "post", "reply", "mention" or "message"
    created_at: datetime
    in_reply_to: Post | None = None
    media: list[Media] = field(default_factory=list)
    hidden: bool = False
    deleted: bool = False
    # When its author last changed its text, where the network allows it.
    edited_at: datetime | None = None
    # X: an edit is a new post; every version keeps the ids of all of them, oldest
    # first (one list, shared), and all but the latest are superseded.
    versions: list[str] = field(default_factory=list)
    superseded: bool = False
    # Private messages: the conversation they belong to.
    conversation: str = ""
    # Per network: Bluesky's record and cid, Mastodon's idempotency key.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Post:
        """Return the post that started the thread."""
        post = self
        while post.in_reply_to is not None:
            post = post.in_reply_to
        return post

    def to_json(self) -> dict[str, Any]:
        """Describe the post for the admin API."""
        return {
            "id": self.id,
            "network": self.channel,
            "account": self.owner.handle,
            "author": self.author.handle,
            "author_id": self.author.id,
            "origin": "citizen" if self.author.citizen else "account",
            "kind": self.kind,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
            "in_reply_to": self.in_reply_to.id if self.in_reply_to else None,
            "root_id": self.root.id,
            "media": [media.to_json() for media in self.media],
            "hidden": self.hidden,
            "deleted": self.deleted,
            "edited_at": self.edited_at.isoformat() if self.edited_at else None,
            "versions": self.versions,
        }


class World:
    """Hold every network's state; ``reset`` empties it and restores the settings."""

    def __init__(self, settings: Settings) -> None:
        """Start empty, with the settings the server was started with."""
        self.settings = settings
        # The apps registered with the networks (Mastodon's), by network. A deployment
        # registers its app once, when it starts, as X's and Graph's app ids are always
        # accepted: a reset starts the networks' world over, not the deployment.
        self.registrations: dict[str, Any] = {}
        self.reset()

    def reset(self, *, seed: int | None = None) -> None:
        """Forget every account, token, post, fault and rate window (registered apps
        stay)."""
        self.latency_ms = self.settings.latency_ms
        self.seed = self.settings.seed if seed is None else seed
        self.citizens = self.settings.citizens
        self.fetch_media = self.settings.fetch_media
        self.pushes = Pushes(self.settings.meta_webhook)
        self.accounts: dict[tuple[str, str], Actor] = {}
        self.actors_by_id: dict[tuple[str, str], Actor] = {}
        self.tokens: dict[str, Token] = {}
        self.media: dict[tuple[str, str], Media] = {}
        self.posts: dict[tuple[str, str], Post] = {}
        # The direct replies to each post, oldest first, deleted ones too.
        self._replies: dict[tuple[str, str], list[Post]] = {}
        self.faults = FaultBook()
        # Who each account blocked: (network, account id) -> the ids of the blocked.
        self.blocked: dict[tuple[str, str], set[str]] = {}
        self.limiter = RateLimiter(self.settings.rate_limits)
        # Networks keep their own small stores here (OAuth codes, idempotency keys).
        self.stores: dict[str, Any] = {}
        self._sequence = itertools.count(1)

    # Accounts and citizens

    def account(self, network: str, handle: str, *, display_name: str = "") -> Actor:
        """Return the account ``handle`` on ``network``, creating it on first use."""
        key = (network, handle.lower())
        if key not in self.accounts:
            actor = Actor(
                network=network,
                id=_account_id(network, handle),
                handle=handle,
                display_name=display_name or handle.split(".")[0].replace("_", " ").title(),
                password=secrets.token_urlsafe(12),
            )
            if network == "facebook":
                actor.user_id = str(stable_number("user", handle, digits=15))
                actor.instagram_id = str(17841400000000000 + stable_number(handle, digits=11))
            self.accounts[key] = actor
            self.remember(actor)
        return self.accounts[key]

    def find_account(self, network: str, handle_or_id: str) -> Actor | None:
        """Return an account by handle or id, or None."""
        actor = self.accounts.get((network, handle_or_id.lower()))
        if actor is None:
            actor = self.actors_by_id.get((network, handle_or_id))
        return actor

    def remember(self, actor: Actor) -> None:
        """Index an actor by every id a network may ask for."""
        for actor_id in (actor.id, actor.user_id, actor.instagram_id):
            if actor_id:
                self.actors_by_id[(actor.network, actor_id)] = actor

    def block(self, account: Actor, author_id: str) -> None:
        """Have ``account`` block ``author_id`` (again is harmless)."""
        self.blocked.setdefault((account.network, account.id), set()).add(author_id)

    def unblock(self, account: Actor, author_id: str) -> None:
        """Have ``account`` lift its block of ``author_id`` (none is harmless)."""
        self.blocked.get((account.network, account.id), set()).discard(author_id)

    def blocks(self, account: Actor, author: Actor) -> bool:
        """Say whether ``account`` blocked ``author``."""
        return author.id in self.blocked.get((account.network, account.id), set())

    def accounts_on(self, network: str | None) -> list[Actor]:
        """Return the accounts of one network (all when None), oldest first."""
        return [a for a in self.accounts.values() if not a.citizen and network in (None, a.network)]

    # Tokens

    def issue(
        self,
        actor: Actor,
        kind: str,
        *,
        lifetime: int | None,
        scopes: Sequence[str] = (),
        client_id: str = "",
        as_page: bool = False,
        value: str | None = None,
    ) -> Token:
        """Create a token for ``actor``; it works until ``lifetime`` seconds pass."""
        expires_at = None if lifetime is None else time.time() + lifetime
        token = Token(
            value=value or secrets.token_urlsafe(32),
            kind=kind,
            actor=actor,
            expires_at=expires_at,
            scopes=tuple(scopes),
            client_id=client_id,
            as_page=as_page,
        )
        self.tokens[token.value] = token
        return token

    def expire_tokens(self, actor: Actor, *, refresh: bool) -> int:
        """Expire the account's access tokens (and refresh tokens when asked); return how many."""
        now = time.time()
        count = 0
        for token in self.tokens.values():
            if token.actor is actor and (token.kind == "access" or refresh):
                if not token.expired(now):
                    count += 1
                token.expires_at = min(token.expires_at or now, now) - 1
        return count

    # Ids

    def next_number(self) -> int:
        """Return the next number of the world's one sequence (ids sort by creation)."""
        return next(self._sequence)

    # Media and posts

    def add_media(self, media: Media) -> Media:
        """Store an upload."""
        self.media[(media.network, media.id)] = media
        return media

    def find_media(self, network: str, media_id: str) -> Media | None:
        """Return an upload by id, or None."""
        return self.media.get((network, media_id))

    def add_post(self, post: Post) -> Post:
        """Store a post; the citizens react to an account's new top-level post."""
        self.posts[(post.channel, post.id)] = post
        if (parent := post.in_reply_to) is not None:
            self._replies.setdefault((parent.channel, parent.id), []).append(post)
        for media in post.media:
            media.used = True
        if post.kind == "post" and not post.author.citizen:
            post.owner.root_posts += 1
            self.react(post)
        return post

    def react(self, post: Post) -> None:
        """Let the synthetic citizens answer ``post`` (see emulator.citizens)."""
        # Imported here: citizens builds posts with this module's classes.
        from emulator.citizens import react

        if self.citizens:
            react(self, post)

    def find_post(self, channel: str, post_id: str) -> Post | None:
        """Return a stored post that was not deleted, or None."""
        post = self.posts.get((channel, post_id))
        return None if post is None or post.deleted else post

    def posts_where(self, predicate: Callable[[Post], bool]) -> list[Post]:
        """Return the live posts matching ``predicate``, newest first."""
        return [p for p in reversed(self.posts.values()) if not p.deleted and predicate(p)]

    def replies_to(self, post: Post) -> list[Post]:
        """Return the live direct replies to ``post``, oldest first."""
        replies = self._replies.get((post.channel, post.id), [])
        return [reply for reply in replies if not reply.deleted]

    def thread_of(self, post: Post) -> list[Post]:
        """Return every live reply below ``post``, depth first, oldest first."""
        below: list[Post] = []
        for reply in self.replies_to(post):
            below.append(reply)
            below.extend(self.thread_of(reply))
        return below


def _account_id(network: str, handle: str) -> str:
    """Return the id a network gives the account ``handle`` (stable across restarts)."""
    if network == "bluesky":
        digest = hashlib.sha256(handle.lower().encode()).digest()
        return "did:plc:" + base32(digest)[:24]
    digits = {"x": 19, "facebook": 15, "mastodon": 18}[network]
    return str(stable_number(network, handle.lower(), digits=digits))


def base32(data: bytes) -> str:
    """Encode ``data`` in lower-case base32 without padding (DIDs, CIDs)."""
    return base64.b32encode(data).decode().lower().rstrip("=")


def page_after(
    items: Sequence[T], key: Callable[[T], str], after: str | None, limit: int
) -> tuple[list[T], str | None]:
    """Return up to ``limit`` items following the one whose key is ``after``, and the key
    to continue from (None on the last page)."""
    start = 0
    if after:
        keys = [key(item) for item in items]
        start = keys.index(after) + 1 if after in keys else len(items)
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    return chunk, (key(chunk[-1]) if more and chunk else None)
