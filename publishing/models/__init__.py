"""Publishing's models: connected network accounts and who may publish to them
(``accounts``); posts, their revisions, media and per-account targets (``posts``); the
dispatcher's tickets (``delivery``)."""

from publishing.models.accounts import (
    NETWORK_CHOICES,
    AccountHealth,
    PublisherManager,
    SocialAccount,
    SocialAccountPublisher,
)
from publishing.models.delivery import WAITING_STATES, DispatchTicket
from publishing.models.posts import (
    MediaAsset,
    Post,
    PostMedia,
    PostRevision,
    PostStatus,
    PostTarget,
    TargetState,
)

__all__ = [
    "NETWORK_CHOICES",
    "WAITING_STATES",
    "AccountHealth",
    "DispatchTicket",
    "MediaAsset",
    "Post",
    "PostMedia",
    "PostRevision",
    "PostStatus",
    "PostTarget",
    "PublisherManager",
    "SocialAccount",
    "SocialAccountPublisher",
    "TargetState",
]
