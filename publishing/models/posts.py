"""Posts: what an author writes once for several accounts, its revisions, its media, and
one target per account that carries the delivery to that account."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govsocial.tenancy import AgencyOwned, agency_key
from publishing.models.accounts import SocialAccount


class PostStatus(models.TextChoices):
    """Where a post is on its way (``../shared/DESIGN.md``, "A post's way through")."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class TargetState(models.TextChoices):
    """Where one account's copy of a post is in its delivery."""

    DRAFT = "draft", _("Not scheduled")
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    RETRY_WAIT = "retry_wait", _("Waiting to retry")
    UNCONFIRMED = "unconfirmed", _("Checking with the network")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    DELETED = "deleted", _("Deleted from the network")


class CommentState(models.TextChoices):
    """Where the first comment of a published target is in its delivery (none: the
    target has no first comment, or its post is not out yet)."""

    NONE = "", _("No first comment")
    WAITING = "waiting", _("Waiting to be posted")
    SENDING = "sending", _("Being posted")
    UNCONFIRMED = "unconfirmed", _("Checking with the network")
    POSTED = "posted", _("Posted")
    FAILED = "failed", _("Not posted")


# How a post that waits for approval, or was approved, once its time has passed is
# shown: it is not on the schedule, so nothing goes out by itself (an approved one waits
# for a new time or "Publish now").
OVERDUE_LABELS = {
    PostStatus.IN_REVIEW: _("Approval overdue"),
    PostStatus.APPROVED: _("Approved after its time"),
}


def is_overdue(status: str, scheduled_at: datetime | None) -> bool:
    """Say whether a post of ``status`` meant to go out at ``scheduled_at`` waits for
    approval, or was approved, past that time."""
    return status in OVERDUE_LABELS and scheduled_at is not None and scheduled_at <= timezone.now()


def status_label(status: str, scheduled_at: datetime | None) -> str:
    """Return how pages name a post's status (``OVERDUE_LABELS`` past its time)."""
    return overdue_or_status_label(status, is_overdue(status, scheduled_at))


def overdue_or_status_label(status: str, overdue: bool) -> str:
    """Return how pages name a post's status, ``overdue`` (past its time, see
    ``is_overdue``) or not."""
    if overdue:
        return str(OVERDUE_LABELS[PostStatus(status)])
    return str(PostStatus(status).label)


# Canada's two official languages: a post in one is translated into the other.
OTHER_LANGUAGE = {"en": "fr", "fr": "en"}
# Whole names, not "The %s version": French makes the adjective agree with "version".
VERSION_NAMES = {"en": _("The English version"), "fr": _("The French version")}


class Post(AgencyOwned):
    """One message an author writes for one or more of the agency's accounts (through an
    API key of theirs when ``api_key`` names one).

    ``text`` is the base that every target inherits until its own text is edited. The
    content of each revision is hashed; ``approved_hash`` names the revision that may go
    out, and publishing sends nothing else.
    """

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    # Found through the index on (agency, author): one of the author alone led the
    # planner to step through every agency's posts when listing an agency's authors.
    # People are never deleted, so nothing looks their posts up across agencies.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The key an integrator wrote the post with (its owner is then the author). Keys
    # are revoked, never deleted, so a post keeps naming the key it came through.
    api_key = models.ForeignKey(
        "accounts.ApiKey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API key"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PostStatus.choices, default=PostStatus.DRAFT
    )
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    # The same post in the agency's other official language: both go out, or neither.
    translation = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    approved_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The composer page that wrote it: its autosave and its buttons, racing, make one post.
    composer_key = models.UUIDField(null=True, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["agency", "scheduled_at"]),
            # The filters' lists step through the agency's authors and campaign tags.
            models.Index(fields=["agency", "author"]),
            models.Index(fields=["agency", "campaign"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "composer_key"],
                condition=models.Q(composer_key__isnull=False),
                name="post_composer_key_unique",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60] or str(_("Post %(id)s") % {"id": self.pk})

    @property
    def overdue(self) -> bool:
        """Say whether the post waits for approval, or was approved, past its time."""
        return is_overdue(self.status, self.scheduled_at)

    @property
    def status_label(self) -> str:
        """Return how pages name the post's status."""
        return status_label(self.status, self.scheduled_at)

    @property
    def other_language(self) -> str:
        """Return the agency's other official language: the one its translation is in."""
        return OTHER_LANGUAGE[self.language]

    @property
    def version_name(self) -> str:
        """Return how messages name this post beside its translation ("The French
        version")."""
        return str(VERSION_NAMES.get(self.language, self.language))


class PostRevision(AgencyOwned):
    """The content of a post as saved at one moment (base text, each target's text,
    media and alt text), with the hash that approvals and publishing go by."""

    # Indexed by ``post_revision_number_once``, which begins with it.
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="post_revision_number_once")
        ]


def media_path(asset: MediaAsset, filename: str) -> str:
    """Store each agency's files in a folder of its own, under a name nobody chose."""
    return f"agencies/{asset.agency_id}/media/{asset.sha256}"


class MediaAsset(AgencyOwned):
    """An image or video in the agency's media library, with its alt text."""

    file = models.FileField(upload_to=media_path)
    original_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    alt_text = models.TextField(_("alt text"), blank=True)
    alt_text_fr = models.TextField(_("alt text (French)"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("media file")
        verbose_name_plural = _("media files")
        ordering = ["-created_at"]


class PostMedia(AgencyOwned):
    """A file attached to a post, in order."""

    # Indexed by ``post_media_position_once``, which begins with it.
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media", db_index=False)
    asset = models.ForeignKey(MediaAsset, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    # The same picture may need other words in another post; the library's alt text is
    # only where it starts.
    alt_text = models.TextField(_("alt text"), blank=True)

    class Meta:
        ordering = ["post", "position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="post_media_position_once")
        ]


class PostTarget(AgencyOwned):
    """One account's copy of a post (its variant) and its delivery to that account.

    ``text`` counts only once ``has_own_text``; until then the post's text goes out.
    ``next_attempt_at`` is when the dispatcher
    next picks the target up (the scheduled time, then the time a retry may happen).
    """

    # An index of its own begins with the agency (``agency_key``), then the post.
    agency = agency_key(indexed=False)
    # Indexed by ``post_target_once_per_account``, which begins with it.
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets", db_index=False)
    account = models.ForeignKey(SocialAccount, on_delete=models.PROTECT, related_name="+")
    # A target's records name its post ("post": id); the archive shows them as part of
    # the post's history (``archive.records.event_part_of``).
    archive_part_of = "post"
    # Until its text is edited, a target says what the post says.
    has_own_text = models.BooleanField(default=False)
    text = models.TextField(_("text for this account"), blank=True)
    first_comment = models.TextField(_("first comment"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=TargetState.choices, default=TargetState.DRAFT
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    content_hash = models.CharField(max_length=64, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    # The proof-of-life key of the worker that claimed the last attempt, of the post and
    # then of its first comment (the advisory lock it holds while it lives,
    # ``publishing.liveness``), if it had one; and when that worker was found gone while
    # the attempt was still "sending".
    sender = models.BigIntegerField(null=True, blank=True)
    sender_gone_at = models.DateTimeField(null=True, blank=True)
    # The text exactly as the network was given it (with the link where the network
    # takes none apart): what reconciliation looks for on the account's timeline.
    sent_text = models.TextField(blank=True)
    remote_id = models.CharField(max_length=255, blank=True)
    permalink = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    # The first comment goes out once the post is published, as a delivery of its own:
    # the target stays published whatever becomes of it, and ``next_attempt_at`` is then
    # when the dispatcher next picks the comment up.
    comment_state = models.CharField(
        _("first comment"), max_length=16, choices=CommentState.choices, blank=True, default=""
    )
    comment_attempts = models.PositiveSmallIntegerField(default=0)
    comment_sending_at = models.DateTimeField(null=True, blank=True)
    comment_remote_id = models.CharField(max_length=255, blank=True)
    comment_permalink = models.URLField(max_length=2000, blank=True)
    comment_failure_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("post target")
        verbose_name_plural = _("post targets")
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="post_target_once_per_account")
        ]
        indexes = [
            # A page of posts' targets: found among the agency's by their posts. With the
            # agency alone, the planner read all of an agency's targets for a page of 50
            # posts rather than look each post's up.
            models.Index(fields=["agency", "post"], name="post_target_by_agency_post"),
            models.Index(
                fields=["next_attempt_at"],
                name="post_target_due",
                condition=Q(state__in=["scheduled", "retry_wait", "unconfirmed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} → {self.account}"
