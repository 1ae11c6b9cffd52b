"""Publishing's models: connected network accounts and who may publish to them
(``accounts``); posts, their revisions, media and per-account targets (``posts``)."""

from publishing.models.accounts import (
    NETWORK_CHOICES,
    AccountHealth,
    PublisherManager,
    SocialAccount,
    SocialAccountPublisher,
)
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
    "AccountHealth",
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
