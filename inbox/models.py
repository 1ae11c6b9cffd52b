"""The inbox: what citizens wrote to an agency's accounts (replies, mentions, comments,
messages), each item once per account however often it is fetched, every version of
its text, and where polling each account has got to."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from govsocial.tenancy import AgencyOwned, agency_key


class ItemKind(models.TextChoices):
    """What reached the account (the adapters' ``InboundKind``)."""

    REPLY = "reply", _("Reply")
    MENTION = "mention", _("Mention")
    COMMENT = "comment", _("Comment")
    MESSAGE = "message", _("Direct message")


class ItemStatus(models.TextChoices):
    """Where the agency is with an item."""

    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    """How soon an item should be answered: routing rules raise it, urgent words make
    it urgent."""

    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class InboxItem(AgencyOwned):
    """One thing a citizen wrote to one of the agency's accounts, as the network last
    showed it. Its versions (``InboxItemVersion``) and the archive keep what it said
    before; an item gone from the network stays, marked deleted."""

    # In a conversation: written by a citizen, not by the agency (``InboxReply``).
    by_agency = False
    # The webhook's lookup of the accounts a push reached (migration 0007), for
    # grant_app_role to let the app role call.
    app_functions: ClassVar[tuple[str, ...]] = ("inbox_accounts_named",)

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    # Indexed by ``inbox_item_once``, which begins with it.
    account = models.ForeignKey(
        "publishing.SocialAccount",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("account"),
        db_index=False,
    )
    remote_id = models.CharField(_("id on the network"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    author_handle = models.CharField(_("author's handle"), max_length=255)
    author_name = models.CharField(_("author's name"), max_length=255, blank=True)
    text = models.TextField(_("text"), blank=True)
    permalink = models.URLField(_("address"), max_length=2000, blank=True)
    # What it answers on the network, and our post's copy there when it is one.
    in_reply_to_remote_id = models.CharField(max_length=255, blank=True)
    target = models.ForeignKey(
        "publishing.PostTarget",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("our post"),
    )
    # The conversation it belongs to: the remote id of the post that started it (or,
    # for direct messages, the author's handle).
    thread = models.CharField(_("conversation"), max_length=255)
    written_at = models.DateTimeField(_("written"))
    received_at = models.DateTimeField(_("received"), db_default=Now())
    # ISO 639-1, empty when too short or unclear to tell.
    language = models.CharField(_("language"), max_length=8, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Hidden on the network by the agency, under a clause of its comment policy.
    hidden = models.BooleanField(_("hidden"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, db_default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    # The agency's own labels ("roads", "complaint"…), to sort and find items by.
    tags = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("tags"),
        default=list,
        db_default=Value([], ArrayField(models.CharField(max_length=50))),
        blank=True,
    )
    # When its network was last asked whether it still holds the item, and as what
    # text (``inbox.services.account_reread``); when it was found gone from there.
    checked_at = models.DateTimeField(_("checked on the network"), db_default=Now())
    deleted_on_network_at = models.DateTimeField(_("deleted on the network"), null=True, blank=True)
    # Deleted by the agency under its comment policy, rather than by its author.
    deleted_by_agency = models.BooleanField(_("deleted by the agency"), db_default=False)
    # When what the citizen wrote was erased with the archive's records of it (a
    # person's erasure request, a disposition): the network is not read for it again.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    # The records request (its number) under which its author had its processing
    # restricted (GDPR Art. 18): only records officers see it; it is not answered,
    # moderated or counted, until the restriction is lifted.
    restricted_under = models.CharField(
        _("restricted under request"), max_length=20, blank=True, db_default=""
    )

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        ordering = ["-written_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "remote_id"], name="inbox_item_once")
        ]
        indexes = [
            models.Index(fields=["agency", "-written_at"], name="inbox_item_newest"),
            models.Index(fields=["agency", "thread"], name="inbox_item_thread"),
            GinIndex(fields=["tags"], name="inbox_item_tags"),
            # The items still re-read: those of the last days not yet found deleted.
            models.Index(
                fields=["account", "received_at"],
                condition=Q(deleted_on_network_at=None),
                name="inbox_item_to_reread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_handle}: {self.text[:60]}"


class InboxNote(AgencyOwned):
    """A note the agency's members write on an item for each other: never sent to the
    network, kept in the archive."""

    item = models.ForeignKey(InboxItem, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(_("note"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(_("written"), db_default=Now())

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"note on {self.item_id}: {self.text[:60]}"


class InboxItemVersion(AgencyOwned):
    """What an item said at one time: the first as received, then each edit seen."""

    # Indexed by ``inbox_version_once``, which begins with it.
    item = models.ForeignKey(
        InboxItem, on_delete=models.PROTECT, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"), blank=True)
    seen_at = models.DateTimeField(_("seen"), db_default=Now())
    # The kept document of this version (``archive.keep_documents``).
    content = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["item_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="inbox_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number}"


# The images a page shows as they are kept; any other file is only downloaded.
INLINE_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class MediaState(models.TextChoices):
    """Where a citizen's file is on its way into the archive."""

    WAITING = "waiting", _("Being fetched")
    KEPT = "kept", _("Kept")
    FAILED = "failed", _("Could not be fetched")


class InboxItemMedia(AgencyOwned):
    """A file (image or video) a citizen attached to an item, as the network served it:
    fetched after the item is stored, its bytes then kept whole in the archive
    (``content``, their SHA-256). A file is never removed: an edit that changes the
    files adds those of its version beside the first."""

    # Indexed by ``inbox_media_once``, which begins with it.
    item = models.ForeignKey(
        InboxItem, on_delete=models.PROTECT, related_name="media", db_index=False
    )
    # The item's version whose files these are, and this file's place among them.
    version = models.PositiveIntegerField(_("version"), default=1)
    position = models.PositiveSmallIntegerField(_("position"))
    remote_url = models.TextField(_("address on the network"))
    kind = models.CharField(_("kind"), max_length=16)
    mime_type = models.CharField(_("media type"), max_length=100, blank=True)
    alt_text = models.TextField(_("alt text"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=MediaState.choices, default=MediaState.WAITING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When it is next fetched (a claimed fetch pushes it on by a lease).
    next_attempt_at = models.DateTimeField(db_default=Now())
    content = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(_("size"), null=True, blank=True)
    kept_at = models.DateTimeField(_("kept"), null=True, blank=True)
    failure_reason = models.TextField(_("why it could not be fetched"), blank=True)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["item_id", "version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version", "position"], name="inbox_media_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="inbox_media_due",
                condition=models.Q(state="waiting"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} file {self.position} ({self.state})"

    @property
    def shown_inline(self) -> bool:
        """Return whether the kept file is an image a page may show itself (anything
        else is offered as a download)."""
        return self.state == MediaState.KEPT and self.mime_type in INLINE_IMAGE_TYPES


class InboxPoll(AgencyOwned):
    """Where polling one account has got to: the network's cursor, and when the account
    may next be asked (later when the network says it is throttled)."""

    account = models.OneToOneField(
        "publishing.SocialAccount", on_delete=models.PROTECT, related_name="+"
    )
    # As long as the network makes it: Graph's names every item of its newest second.
    cursor = models.TextField(blank=True)
    next_poll_at = models.DateTimeField(db_default=Now())
    polled_at = models.DateTimeField(null=True, blank=True)
    problem = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("inbox polling")
        verbose_name_plural = _("inbox polling")

    def __str__(self) -> str:
        return f"{self.account_id} next at {self.next_poll_at}"


class ReplyState(models.TextChoices):
    """Where the agency's answer to an item is on its way to the network."""

    IN_REVIEW = "in_review", _("Waiting for approval")
    NOT_APPROVED = "not_approved", _("Not approved")
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    UNCONFIRMED = "unconfirmed", _("Checking with the network")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")


class InboxReply(AgencyOwned):
    """The agency's public answer to an item (private, for a direct message), sent
    through the account's network at most once: "sending" is committed before the
    network is called, and an answer that never came is settled by reading the item's
    replies on the network, never by sending again."""

    # In a conversation: written by the agency (see ``InboxItem.by_agency``).
    by_agency = True

    item = models.ForeignKey(InboxItem, on_delete=models.PROTECT, related_name="replies")
    text = models.TextField(_("text"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(_("written"), db_default=Now())
    state = models.CharField(
        _("state"), max_length=16, choices=ReplyState.choices, default=ReplyState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When it is next tried (queued) or looked for on the network (unconfirmed).
    next_attempt_at = models.DateTimeField(db_default=Now())
    sending_at = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=255, blank=True)
    permalink = models.URLField(_("address"), max_length=2000, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failure_reason = models.TextField(_("why it was not sent"), blank=True)
    # Its round of sign-off, where the agency's replies pass approval
    # (``Coverage.replies_need_approval``).
    approval = models.OneToOneField(
        "approvals.Approval",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reply",
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["written_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="inbox_reply_due",
                condition=models.Q(state__in=["queued", "sending", "unconfirmed"]),
            )
        ]

    def __str__(self) -> str:
        return f"reply to {self.item_id}: {self.text[:60]}"


class PolicyClause(AgencyOwned):
    """A clause of the agency's published comment policy (for example "3.2 — Personal
    attacks"): every moderation names the one it applies. A clause is retired rather
    than deleted, so that past decisions keep theirs."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    code = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what it says"), blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment policy clause")
        verbose_name_plural = _("comment policy clauses")
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="policy_clause_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class SavedReply(AgencyOwned):
    """A reply the agency keeps ready, in English and French, with placeholders filled
    in when it is used: ``{handle}`` (the citizen's handle) and ``{agency}`` (the
    agency's name)."""

    title = models.CharField(_("title"), max_length=200)
    text_en = models.TextField(_("in English"), blank=True)
    text_fr = models.TextField(_("in French"), blank=True)

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class RoutingRule(AgencyOwned):
    """A rule the agency's admins write for new items: those that reached its account
    (when it names one) and say one of its words (when it has any; whole words, case
    and accents aside) go to its member, get its tag and at least its priority. Every
    rule that matches applies, oldest first; the first that names a member gives the
    item to them. Retired rather than deleted, so that past routing keeps its rule."""

    name = models.CharField(_("name"), max_length=200)
    words = ArrayField(
        models.CharField(max_length=100), verbose_name=_("words"), default=list, blank=True
    )
    account = models.ForeignKey(
        "publishing.SocialAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assign to"),
    )
    tag = models.CharField(_("tag"), max_length=50, blank=True)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class BlockedAuthor(AgencyOwned):
    """Someone an account of the agency blocked on its network, under a clause of the
    comment policy: what they write no longer reaches it there."""

    # Indexed by ``blocked_once``, which begins with it.
    account = models.ForeignKey(
        "publishing.SocialAccount", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    author_handle = models.CharField(_("author's handle"), max_length=255)
    blocked_at = models.DateTimeField(_("blocked"), db_default=Now())
    # The block's own id where the network gives it one (Bluesky's block record), to
    # lift it by.
    block = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("blocked author")
        verbose_name_plural = _("blocked authors")
        constraints = [
            models.UniqueConstraint(fields=["account", "author_handle"], name="blocked_once")
        ]

    def __str__(self) -> str:
        return self.author_handle


class Coverage(AgencyOwned):
    """When the agency's inbox is staffed and who covers it otherwise: its business
    hours (in the agency's time zone), the members on duty after hours, and the words
    that make an item urgent and alert whoever is on duty; and whether its replies
    pass approval before they go out."""

    weekdays = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name=_("open on"),
        default=list,
        blank=True,
        help_text=_("0 is Monday, 6 is Sunday."),
    )
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    after_hours = ArrayField(
        models.BigIntegerField(), verbose_name=_("on duty after hours"), default=list, blank=True
    )
    urgent_words = ArrayField(
        models.CharField(max_length=100), verbose_name=_("urgent words"), default=list, blank=True
    )
    replies_need_approval = models.BooleanField(
        _("replies pass approval"),
        db_default=False,
        help_text=_(
            "Replies go through their account's approval chain, as posts do, before they are sent."
        ),
    )

    class Meta:
        verbose_name = _("inbox coverage")
        verbose_name_plural = _("inbox coverage")
        constraints = [models.UniqueConstraint(fields=["agency"], name="coverage_once")]

    def __str__(self) -> str:
        return f"coverage of {self.agency_id}"
