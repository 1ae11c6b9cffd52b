"""What every network adapter takes, returns and raises; no ORM, no Django models.

An adapter is one module per network (``publishing/networks/<network>.py``) holding a
class that satisfies ``NetworkAdapter``. It receives frozen dataclasses, returns frozen
dataclasses, and raises exactly one of the three errors below, so the publishing state
machine can decide: try again later, give up with a reason, or go and look.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class Network(StrEnum):
    """The networks govsocial publishes to."""

    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"


@dataclass(frozen=True)
class NetworkSettings:
    """Where a network's API lives and who govsocial is to it, from configuration.

    ``api_url`` is the API's base (X's API host, Graph's host, the Mastodon instance,
    the Bluesky PDS); ``authorize_url`` the base of the page where a person approves
    govsocial (X's authorize page itself; Facebook's dialog host, versioned below it).
    In the embedded default both point into the network emulator. ``connections`` is
    how many calls to the network one adapter makes at once (a worker process's sends
    in flight, which share it).
    """

    api_url: str
    authorize_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    api_version: str = ""
    timeout_seconds: float = 10.0
    user_agent: str = "govsocial"
    connections: int = 10


# Errors ---------------------------------------------------------------------------


class NetworkError(Exception):
    """Base of the three errors an adapter may raise; ``reason`` is shown to people."""

    def __init__(self, reason: str, *, status: int | None = None, code: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code


class TransientNetworkError(NetworkError):
    """Nothing was published; trying again later may work (5xx, 429, throttling).

    ``retry_after`` is what the network said (seconds from now), or None to use the
    caller's back-off. Adapters never sleep on it.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        rate_limited: bool = False,
        status: int | None = None,
        code: str | None = None,
    ):
        super().__init__(reason, status=status, code=code)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class PermanentNetworkError(NetworkError):
    """Nothing was published and retrying the same request will not help.

    ``needs_reauthorisation`` is set when the account's token is expired or revoked:
    the account must be reconnected before it publishes anything.
    """

    def __init__(
        self,
        reason: str,
        *,
        needs_reauthorisation: bool = False,
        status: int | None = None,
        code: str | None = None,
    ):
        super().__init__(reason, status=status, code=code)
        self.needs_reauthorisation = needs_reauthorisation


class OutcomeUnknownError(NetworkError):
    """The request left but no answer came back (timeout, dropped connection): the post
    may or may not exist. Never resend blindly; reconcile with ``fetch_recent``."""


# The moment after which no call that publishes may start, while one is set, and what
# must still hold as one starts.
_WRITES_START_BY: ContextVar[tuple[datetime, Callable[[], bool] | None] | None] = ContextVar(
    "writes_start_by", default=None
)


@contextmanager
def writes_start_by(
    deadline: datetime, *, alive: Callable[[], bool] | None = None
) -> Iterator[None]:
    """Within, refuse to start a call that publishes after ``deadline``, or when
    ``alive`` says no (see ``write_starts``).

    Delivery takes a send as lost once its last call could have timed out, reckoned
    from the latest moment that call may start, or from when its worker was found gone;
    a send whose reads and uploads ran late, or whose worker can no longer show it lives
    (``publishing.liveness``), must not publish after that, or reconciliation, finding
    nothing yet, sends it again.
    """
    token = _WRITES_START_BY.set((deadline, alive))
    try:
        yield
    finally:
        _WRITES_START_BY.reset(token)


def write_starts() -> None:
    """Say a call that publishes is about to start (every adapter, just before it);
    raise ``TransientNetworkError`` instead, nothing sent, when it is too late."""
    limits = _WRITES_START_BY.get()
    if limits is None:
        return
    deadline, alive = limits
    if datetime.now(UTC) > deadline or (alive is not None and not alive()):
        raise TransientNetworkError("The send could not start in time; it is tried again.")


# What goes in ---------------------------------------------------------------------


@dataclass(frozen=True)
class AccountCredentials:
    """Who to act as: the connected account's remote identity and decrypted tokens.

    ``extra`` carries what a network needs besides the token (e.g. the Facebook page
    id, the Instagram user id, the Mastodon instance URL, the Bluesky DID and PDS).
    """

    network: Network
    remote_id: str
    handle: str
    access_token: str
    refresh_token: str = ""
    token_expires_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MediaItem:
    """One image or video to attach, with the alt text people with screen readers hear."""

    content: bytes
    mime_type: str
    alt_text: str
    filename: str = "media"
    # Where the network can fetch the file itself: Instagram takes media only by URL.
    url: str = ""


@dataclass(frozen=True)
class OutgoingPost:
    """One variant of a post, as it goes to one account."""

    text: str
    media: tuple[MediaItem, ...] = ()
    link: str = ""
    reply_to_remote_id: str = ""


# What comes out -------------------------------------------------------------------


def gettext_noop(message: str) -> str:
    """Return ``message`` as it is: marks the English sentence of a problem (or a
    ``Phrase``) for translation, which the pages do when they say it; the networks stay
    free of Django."""
    return message


class Phrase(str):
    """Words in a problem's message that are translated with it (the kinds of file a
    network takes), unlike names and numbers."""

    __slots__ = ()


# What a problem's sentence names: names, ``Phrase`` words and numbers.
ProblemParams = dict[str, str | int | Decimal]


@dataclass(frozen=True)
class ValidationProblem:
    """Why a post cannot go to a network as it is; ``field`` is "text", "media"… .

    ``template`` is the sentence in English, marked with ``gettext_noop``, with
    ``params`` in it as ``%(name)s``: the pages translate the template and its
    ``Phrase`` params and write the numbers as the reader's language does
    (``publishing.content.problem_said``); ``message`` is the English."""

    code: str
    template: str
    field: str = "text"
    # (``field`` above hides dataclasses' own in this class's body.)
    params: ProblemParams = dataclasses.field(default_factory=dict, hash=False)

    @property
    def message(self) -> str:
        """Return the problem in English, numbers grouped by thousands."""
        return self.template % {
            name: f"{value:,}" if isinstance(value, int | Decimal) else value
            for name, value in self.params.items()
        }


@dataclass(frozen=True)
class PublishedPost:
    """The network's record of what was just published."""

    remote_id: str
    permalink: str
    published_at: datetime | None = None


@dataclass(frozen=True)
class RemotePost:
    """A post as the network holds it: the account's own (reconciling unconfirmed sends)
    or an item that reached it (re-read for edits and deletions)."""

    remote_id: str
    text: str
    created_at: datetime
    permalink: str = ""


class InboundKind(StrEnum):
    """What reached the account."""

    REPLY = "reply"
    MENTION = "mention"
    COMMENT = "comment"
    MESSAGE = "message"


class Moderation(StrEnum):
    """What an account may do to what reached it, where its network lets it."""

    HIDE = "hide"  # and show again
    DELETE = "delete"
    BLOCK = "block"  # its author


class InboundMediaKind(StrEnum):
    """What a file a citizen attached is."""

    IMAGE = "image"
    VIDEO = "video"


@dataclass(frozen=True)
class InboundMedia:
    """A file a citizen attached to what they wrote, where the network serves it, with
    the alt text they gave (empty when none). ``mime_type`` is empty when the network
    says only the kind: the download's answer tells it."""

    url: str
    kind: InboundMediaKind = InboundMediaKind.IMAGE
    alt_text: str = ""
    mime_type: str = ""


@dataclass(frozen=True)
class DownloadedMedia:
    """A citizen's file as downloaded from the network: its bytes and media type."""

    content: bytes
    mime_type: str


@dataclass(frozen=True)
class InboundItem:
    """A citizen's reply, mention, comment or message, with the files it carries."""

    remote_id: str
    kind: InboundKind
    author_handle: str
    author_name: str
    text: str
    created_at: datetime
    in_reply_to_remote_id: str = ""
    permalink: str = ""
    media: tuple[InboundMedia, ...] = ()


@dataclass(frozen=True)
class InboundPage:
    """Items newer than the cursor given, and the cursor to pass next time."""

    items: tuple[InboundItem, ...]
    cursor: str


@dataclass(frozen=True)
class AccountProfile:
    """Who the token belongs to, as the network says (connecting, health checks)."""

    remote_id: str
    handle: str
    display_name: str
    avatar_url: str = ""


@dataclass(frozen=True)
class TokenGrant:
    """Tokens a network issued when an account was connected or its token refreshed."""

    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()


# The protocol -----------------------------------------------------------------------


class NetworkAdapter(Protocol):
    """One network's way of publishing and reading, over its real client library."""

    network: Network

    def validate(self, post: OutgoingPost) -> list[ValidationProblem]:
        """Return every reason the network would refuse ``post`` (empty when none)."""
        ...

    def publish(self, account: AccountCredentials, post: OutgoingPost) -> PublishedPost:
        """Publish ``post`` now; return its remote id and permalink."""
        ...

    def delete(self, account: AccountCredentials, remote_id: str) -> None:
        """Remove a published post; a post already gone counts as removed."""
        ...

    def fetch_recent(self, account: AccountCredentials, *, since: datetime) -> list[RemotePost]:
        """Return the account's own posts created since ``since``, newest first."""
        ...

    def fetch_inbound(self, account: AccountCredentials, *, cursor: str) -> InboundPage:
        """Return replies, mentions, comments and messages newer than ``cursor``."""
        ...

    def download(self, account: AccountCredentials, *, url: str, max_bytes: int) -> DownloadedMedia:
        """Return the file a citizen attached, read from ``url`` (an ``InboundMedia``'s);
        refuse (PermanentNetworkError) one larger than ``max_bytes``."""
        ...

    def fetch_current(
        self, account: AccountCredentials, *, remote_ids: Sequence[str]
    ) -> list[RemotePost]:
        """Return those of ``remote_ids`` (items that reached the account) the network
        still holds, as they read now; one it no longer holds is left out."""
        ...

    def reply(self, account: AccountCredentials, *, in_reply_to: str, text: str) -> PublishedPost:
        """Answer a citizen's item publicly (or privately, for messages)."""
        ...

    def comment(self, account: AccountCredentials, *, on: str, text: str) -> PublishedPost:
        """Post the account's first comment under its own post ``on``: a comment on
        Facebook and Instagram, a reply in the post's thread elsewhere."""
        ...

    def fetch_comments(self, account: AccountCredentials, *, on: str) -> list[RemotePost]:
        """Return the account's own comments under its post ``on`` (for reconciling a
        first comment whose answer never came)."""
        ...

    def moderations(self, kind: InboundKind) -> frozenset[Moderation]:
        """Return what the network lets the account do to an item of ``kind``."""
        ...

    def hide(self, account: AccountCredentials, remote_id: str, *, hidden: bool) -> None:
        """Hide or unhide a comment; raise PermanentNetworkError where the network
        cannot."""
        ...

    def delete_comment(self, account: AccountCredentials, remote_id: str) -> None:
        """Delete someone's comment under the account's post (one already gone counts as
        deleted); raise PermanentNetworkError where the network cannot."""
        ...

    def block_author(self, account: AccountCredentials, remote_id: str) -> str:
        """Block, from the account, whoever wrote the item ``remote_id``; return the
        block's own id where the network gives it one (else ""); raise
        PermanentNetworkError where the network cannot."""
        ...

    def unblock_author(self, account: AccountCredentials, remote_id: str, *, block: str) -> None:
        """Lift the block of whoever wrote the item ``remote_id`` (``block``: what
        ``block_author`` returned)."""
        ...

    def profile(self, account: AccountCredentials) -> AccountProfile:
        """Return who the token belongs to; the health check's call."""
        ...


@dataclass(frozen=True)
class ConnectableAccount:
    """An account a person's authorisation gives access to (a Facebook grant may give
    several pages), with the credentials to act as it."""

    profile: AccountProfile
    credentials: AccountCredentials
    scopes: tuple[str, ...] = ()


def pkce_challenge(verifier: str) -> str:
    """Return the S256 code challenge of a PKCE ``verifier`` (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class AccountConnector(Protocol):
    """One network's authorisation flow (OAuth 2.0; PKCE where the network has it)."""

    network: Network

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Return the network's page where a person authorises govsocial."""
        ...

    def connect(
        self, *, code: str, redirect_uri: str, code_verifier: str
    ) -> list[ConnectableAccount]:
        """Exchange the authorisation code; return the accounts it gives access to."""
        ...

    def refresh(self, account: AccountCredentials) -> AccountCredentials:
        """Return the account's credentials with a fresh access token."""
        ...


class PasswordConnector(Protocol):
    """A network connected with a handle and an app password rather than OAuth
    (Bluesky). The password is used once to open a session and is never stored."""

    network: Network

    def sign_in(self, *, identifier: str, app_password: str) -> ConnectableAccount:
        """Open a session as ``identifier``; return the account and its tokens."""
        ...

    def refresh(self, account: AccountCredentials) -> AccountCredentials:
        """Return the account's credentials with a fresh access token."""
        ...
