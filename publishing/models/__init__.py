"""Publishing's models: connected network accounts and who (members, API keys) may
publish to them (``accounts``); posts, their revisions, media and per-account targets (``posts``);
crisis pauses (``pauses``); queue slots (``queue``); the dispatcher's tickets
(``delivery``)."""

from publishing.models.accounts import (
    NETWORK_CHOICES,
    AccountHealth,
    PublisherManager,
    SocialAccount,
    SocialAccountKeyPublisher,
    SocialAccountPicture,
    SocialAccountPublisher,
)
from publishing.models.delivery import FIRST_COMMENT, WAITING_STATES, DispatchTicket
from publishing.models.pauses import PausedAccount, PublishingPause
from publishing.models.posts import (
    OVERDUE_LABELS,
    CommentState,
    MediaAsset,
    Post,
    PostMedia,
    PostRevision,
    PostStatus,
    PostTarget,
    TargetState,
    is_overdue,
    overdue_or_status_label,
    status_label,
)
from publishing.models.queue import QueueSlot, Weekday

__all__ = [
    "FIRST_COMMENT",
    "NETWORK_CHOICES",
    "OVERDUE_LABELS",
    "WAITING_STATES",
    "AccountHealth",
    "CommentState",
    "DispatchTicket",
    "MediaAsset",
    "PausedAccount",
    "Post",
    "PostMedia",
    "PostRevision",
    "PostStatus",
    "PostTarget",
    "PublisherManager",
    "PublishingPause",
    "QueueSlot",
    "SocialAccount",
    "SocialAccountKeyPublisher",
    "SocialAccountPicture",
    "SocialAccountPublisher",
    "TargetState",
    "Weekday",
    "is_overdue",
    "overdue_or_status_label",
    "status_label",
]
