"""The archive: every action of every agency, append-only, in a Merkle tree per agency."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Func
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast, Lower, Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from archive.entries import SALT_BYTES
from govsocial.tenancy import AgencyOwned, agency_key

# pg_current_xact_id(), 64 bits and never wrapping, as a bigint.
TRANSACTION_ID = Cast(
    Cast(Func(function="pg_current_xact_id", output_field=models.TextField()), models.TextField()),
    models.BigIntegerField(),
)


class ArchiveEvent(AgencyOwned):
    """One recorded action: who did what to which object, when, from where, with data.

    Rows are never updated or deleted (the database refuses it), but for the erasure
    of their content (``event_content_erase``). The sequencer places
    each committed event in its agency's log (``ArchiveLeaf``), where the leaf commits
    to its facts and, through ``commitment``, to its salted content (``archive.entries``).
    """

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)

    # The grant command gives the app role only SELECT and INSERT on this table, and
    # the right to call the sequencers' read and the erasure of an event's content
    # (migration 0003); on the events' words and the kept content they name, INSERT
    # alone (the sequencer writes them) and the right to ask which of the bound agency's
    # events a search finds (migrations 0011, 0019 and 0020) and which content no event holding
    # its content names any more (migration 0014).
    append_only = True
    app_functions: ClassVar[tuple[str, ...]] = (
        "archive_pending_agencies",
        "archive_erase_content",
        "archive_event_found",
        "archive_content_unused",
        "archive_content_unnamed",
    )
    insert_only_beside: ClassVar[tuple[str, ...]] = ("archive_eventsearch", "archive_contentuse")

    occurred_at = models.DateTimeField(_("when"))
    actor_type = models.CharField(_("actor type"), max_length=40)
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True)
    actor_name = models.CharField(_("actor"), max_length=300)
    verb = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    # As the request gave it: what the commitment covers is what is stored.
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    # The salt (hex) and the SHA-256 over it and the content, which the leaf holds.
    salt = models.CharField(max_length=2 * SALT_BYTES, blank=True)
    commitment = models.CharField(max_length=64)
    # The recording transaction's id: the sequencer takes events in the order their
    # transactions began, and only once no transaction begun before theirs is running.
    txid = models.BigIntegerField(editable=False, db_default=TRANSACTION_ID)

    class Meta:
        verbose_name = _("archive event")
        verbose_name_plural = _("archive events")
        ordering = ["agency_id", "id"]
        indexes = [
            models.Index(fields=["agency", "verb"], name="archive_event_verb"),
            models.Index(fields=["agency", "occurred_at"], name="archive_event_when"),
            models.Index(fields=["agency", "txid", "id"], name="archive_event_order"),
            # What happened to one thing (a record's history, a package's conversations).
            models.Index(
                fields=["agency", "object_type", "object_id", "id"], name="archive_event_object"
            ),
            # The conversation an event belongs to (inbox items and replies name theirs).
            models.Index(
                F("agency"),
                KeyTransform("network", "data"),
                KeyTransform("thread", "data"),
                name="archive_event_conversation",
                condition=models.Q(data__has_key="thread"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verb} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class ArchiveLeaf(AgencyOwned):
    """An event's place in its agency's log: its position and its leaf hash (hex)."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)

    append_only = True

    position = models.BigIntegerField(_("position"))
    event = models.OneToOneField(ArchiveEvent, on_delete=models.PROTECT, related_name="+")
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("log leaf")
        verbose_name_plural = _("log leaves")
        ordering = ["agency_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "position"], name="archive_leaf_position"),
        ]

    def __str__(self) -> str:
        return f"leaf {self.position}"


class ArchiveSubtree(AgencyOwned):
    """The hash (hex) of a complete subtree of two leaves or more of an agency's log,
    stored once, when its last leaf arrives (``archive.merkle.Frontier``): the subtree
    at ``level`` with ``index`` covers positions [index << level, (index + 1) << level)."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)

    append_only = True

    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("log subtree")
        verbose_name_plural = _("log subtrees")
        ordering = ["agency_id", "level", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "level", "index"], name="archive_subtree_place"
            ),
            models.CheckConstraint(condition=models.Q(level__gte=1), name="archive_subtree_level"),
        ]

    def __str__(self) -> str:
        return f"subtree {self.level}/{self.index}"


class ArchiveHead(AgencyOwned):
    """The deployment's signature on an agency's log as it stood: how many events it
    held and its tree's root (see ``archive.signing``). Signed at intervals and on
    demand; a log that no longer matches a head it was signed with has been tampered
    with."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)

    append_only = True

    origin = models.CharField(_("log"), max_length=300)
    size = models.BigIntegerField(_("events"))
    # The root of the log's tree (hex), as the checkpoint gives it in base64.
    root = models.CharField(_("root"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    key_id = models.CharField(_("key"), max_length=16)
    signature = models.CharField(_("signature"), max_length=88)

    class Meta:
        verbose_name = _("signed head")
        verbose_name_plural = _("signed heads")
        ordering = ["agency_id", "signed_at"]
        indexes = [models.Index(fields=["agency", "signed_at"], name="archive_head_when")]

    def __str__(self) -> str:
        return f"{self.size} events at {self.signed_at:%Y-%m-%d %H:%M}"


class ArchiveTimestamp(AgencyOwned):
    """A time-stamping authority's token (RFC 3161) over a head's signature: proof from
    a third party that the head existed by ``stamped_at``. Asked for after the head is
    signed, when ``ARCHIVE_TIMESTAMP_URL`` names an authority (``archive.timestamps``)."""

    append_only = True

    head = models.OneToOneField(
        ArchiveHead, on_delete=models.PROTECT, related_name="timestamp", verbose_name=_("head")
    )
    authority = models.CharField(_("authority"), max_length=500)
    # The authority's whole answer (a DER TimeStampResp), as checked when it came.
    response = models.BinaryField(_("answer"))
    stamped_at = models.DateTimeField(_("stamped at"))

    class Meta:
        verbose_name = _("time-stamp")
        verbose_name_plural = _("time-stamps")

    def __str__(self) -> str:
        return f"{self.head} stamped at {self.stamped_at:%Y-%m-%d %H:%M:%S}"


class ArchiveContent(AgencyOwned):
    """Bytes the archive keeps whole, named by their SHA-256: what was published (a JSON
    document) and the media it carried. Kept once per agency; the bytes of small content
    (``SMALL_CONTENT`` bytes at most: every document, most images) live beside it in
    ``ArchiveContentBytes``, larger ones in the archive's storage (``STORAGES["archive"]``)
    under ``content_name``."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)

    append_only = True

    sha256 = models.CharField(max_length=64)
    media_type = models.CharField(_("media type"), max_length=100)
    size = models.BigIntegerField(_("size"))
    kept_at = models.DateTimeField(_("kept at"), db_default=Now())

    class Meta:
        verbose_name = _("kept content")
        verbose_name_plural = _("kept content")
        constraints = [
            models.UniqueConstraint(fields=["agency", "sha256"], name="archive_content_once"),
        ]

    def __str__(self) -> str:
        return f"{self.media_type} {self.sha256[:12]}"


# The most bytes a content may have to be kept in the database rather than as a file:
# a file each costs an inode and its directory's update (most of what keeping an inbox
# item took), and a package read them one by one.
SMALL_CONTENT = 64 * 1024


class ArchiveContentBytes(AgencyOwned):
    """The bytes of a small kept content (``SMALL_CONTENT``), by its hash. Inserted with
    its ``ArchiveContent`` row and never changed; deleted only when the content is erased
    (``archive.services.contents_erase``), as a larger content's file is."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)

    sha256 = models.CharField(max_length=64)
    body = models.BinaryField()

    class Meta:
        verbose_name = _("kept bytes")
        verbose_name_plural = _("kept bytes")
        constraints = [
            models.UniqueConstraint(fields=["agency", "sha256"], name="archive_content_bytes_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({len(self.body)} bytes)"


class ArchiveContentErasure(AgencyOwned):
    """Kept content whose bytes were deleted because every record that named it had its
    content erased (GDPR, disposition): their absence is explained, and the same
    bytes kept again later are kept anew (``archive.services.contents_erase``)."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)

    append_only = True

    sha256 = models.CharField(max_length=64)
    erased_at = models.DateTimeField(_("erased at"), db_default=Now())
    reason = models.TextField(_("why"))

    class Meta:
        verbose_name = _("erased content")
        verbose_name_plural = _("erased content")
        indexes = [models.Index(fields=["agency", "sha256"], name="archive_content_erased")]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} erased"


def content_name(agency_id: int, sha256: str) -> str:
    """Return where the archive's storage keeps an agency's content of this hash."""
    return f"{agency_id}/{sha256[:2]}/{sha256}"


class RequestKind(models.TextChoices):
    """What a records request asks for, which sets its legal deadline."""

    PUBLIC_RECORDS = "public_records", _("Public records (FOIA): 20 working days")
    PERSONAL_DATA = "personal_data", _("Personal data (GDPR access): one month")
    ARCHIVER_COPY = "archiver_copy", _("Monthly copy for an outside archiver: a week")
    ERASURE = "erasure", _("Erasure of personal data (GDPR Art. 17): one month")
    RESTRICTION = "restriction", _("Restriction of processing (GDPR Art. 18): one month")
    OBJECTION = "objection", _("Objection to processing (GDPR Art. 21): one month")


# A person's requests about their personal data: due in a month, extendable by two.
PERSONAL_KINDS = (
    RequestKind.PERSONAL_DATA,
    RequestKind.ERASURE,
    RequestKind.RESTRICTION,
    RequestKind.OBJECTION,
)


class RequestStatus(models.TextChoices):
    """Where a records request is."""

    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", pgettext_lazy("package", "Withdrawn")


class RecordsRequest(AgencyOwned):
    """A request for the agency's records, handled as a case: its number, who asked and
    what, when it was received and by when it must be answered (``archive.requests``),
    where it is, and the searches saved on it."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    number = models.CharField(_("number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    requester = models.CharField(_("requester"), max_length=200)
    requester_email = models.EmailField(_("requester's email"), blank=True)
    subject = models.TextField(_("what is asked"))
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("due on"))
    # Why a person's request was given two more months (GDPR Art. 12(3)); "" when not.
    extension_reason = models.TextField(_("why extended"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), db_default=Now())
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("records request")
        verbose_name_plural = _("records requests")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="records_request_number_once")
        ]

    def __str__(self) -> str:
        return self.number


class SavedSearch(AgencyOwned):
    """A search of the archive kept on a records request, to run again and to export
    from: its words, action, person and days, as the Records search takes them."""

    request = models.ForeignKey(RecordsRequest, on_delete=models.CASCADE, related_name="searches")
    name = models.CharField(_("name"), max_length=200)
    criteria = models.JSONField(_("criteria"), default=dict)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(_("saved"), db_default=Now())

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["saved_at", "id"]

    def __str__(self) -> str:
        return self.name


class Holiday(AgencyOwned):
    """A day the agency does not count as a working day in records deadlines."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="holiday_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class LegalHold(AgencyOwned):
    """A legal hold on what a saved search finds, now and as it arrives: none of it may
    be erased or disposed of until the hold is lifted (``archive.holds``)."""

    search = models.ForeignKey(SavedSearch, on_delete=models.PROTECT, related_name="holds")
    reason = models.TextField(_("why"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed"), db_default=Now())
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lift_reason = models.TextField(_("why lifted"), blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.search.request.number}: {self.search.name}"


class PackageStatus(models.TextChoices):
    """Where an export package is: waiting for a worker, being built, ready to
    download, failed, past its time and deleted, or deleted because records it held
    were erased since."""

    QUEUED = "queued", _("Waiting")
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", pgettext_lazy("package", "Withdrawn")


class ExportPackage(AgencyOwned):
    """A package of the records a request's saved searches find, built in the background
    (``archive.exports``): a ZIP in BagIt layout that anyone can check offline against
    the signed log. Downloadable by the agency's records officers until ``expires_at``,
    then deleted (the row and its events stay)."""

    request = models.ForeignKey(RecordsRequest, on_delete=models.PROTECT, related_name="packages")
    # The searches as they were when the package was asked for: {"name", "criteria"} each.
    searches = models.JSONField(_("searches"), default=list)
    # The zone the searches' days were given in, and the readable pages' times shown in;
    # the language the pages' own words are in (the content keeps its own).
    time_zone = models.CharField(_("time zone"), max_length=64)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=20, choices=PackageStatus.choices, default=PackageStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked for"), db_default=Now())
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("downloadable until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The signed head the package's events are proven against.
    head = models.ForeignKey(
        ArchiveHead, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    events = models.BigIntegerField(_("events"), null=True, blank=True)
    size = models.BigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    failure = models.TextField(_("why it failed"), blank=True)
    # A copy to release: what the request's redactions (as they were when it was asked
    # for, ``archive.redaction.Redactions.as_record`` each) keep out is left out of it,
    # and its pages are also PDF. Otherwise the complete, sealed package.
    released = models.BooleanField(_("released copy"), default=False)
    redactions = models.JSONField(_("redactions"), default=list)
    # A record it may hold was erased while it waited or was being built: the build
    # starts again before the package is ready (``archive.exports.packages_withdraw``).
    outdated = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("export package")
        verbose_name_plural = _("export packages")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"], name="archive_package_status")]

    def __str__(self) -> str:
        return f"{self.request.number}/{self.pk}"

    @property
    def file_name(self) -> str:
        """Return the name the package downloads as."""
        return f"records-{self.request.number}-{self.pk}.zip"


class RedactionReason(models.TextChoices):
    """Why something is kept out of a request's released copy."""

    FOIA_PRIVACY = "foia_b6", _("FOIA (b)(6): personal privacy")
    FOIA_INVESTIGATION = "foia_b7c", _("FOIA (b)(7)(C): privacy in records of an investigation")
    OTHERS_DATA = "gdpr_15_4", _("GDPR Art. 15(4): another person's data")
    ERASED = "gdpr_17", _("GDPR Art. 17: erased at the person's request")


class Redaction(AgencyOwned):
    """Something a records officer keeps out of a request's released copies: words,
    wherever the copy would show them, or an area of a kept image (its left, top, width
    and height as fractions of the image's), burned in. The archive keeps the original."""

    request = models.ForeignKey(RecordsRequest, on_delete=models.CASCADE, related_name="redactions")
    words = models.CharField(_("words"), max_length=200, blank=True)
    image = models.CharField(_("image"), max_length=64, blank=True)
    left = models.FloatField(_("left"), null=True, blank=True)
    top = models.FloatField(_("top"), null=True, blank=True)
    width = models.FloatField(_("width"), null=True, blank=True)
    height = models.FloatField(_("height"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=RedactionReason.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked"), db_default=Now())

    class Meta:
        verbose_name = _("redaction")
        verbose_name_plural = _("redactions")
        ordering = ["marked_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (~models.Q(words="") & models.Q(image="", left__isnull=True))
                    | (
                        models.Q(words="", left__gte=0, top__gte=0, width__gt=0, height__gt=0)
                        & ~models.Q(image="")
                    )
                ),
                name="archive_redaction_words_or_area",
            ),
            models.UniqueConstraint(
                Lower("words"),
                "request",
                condition=~models.Q(words=""),
                name="archive_redaction_words_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.number}: {self.get_reason_display()}"


def package_name(agency_id: int, package_id: int) -> str:
    """Return where the packages' storage keeps an agency's package."""
    return f"{agency_id}/package-{package_id}.zip"


class RecordSeries(models.TextChoices):
    """The series the archive's records are kept and disposed of by
    (``archive.retention``)."""

    PUBLISHED = "published", _("Published posts and how they were made")
    CITIZENS_ROUTINE = "citizens_routine", _("Citizens' messages that needed no action")
    CITIZENS_ANSWERED = "citizens_answered", _("Citizens' messages answered or moderated")
    INBOX_WORK = "inbox_work", _("Replies, moderation and work on the inbox")
    ACTIVITY = "activity", _("Sign-ins and administration")


class RetentionSchedule(AgencyOwned):
    """How long the agency keeps a series' records when it changed the default
    (``archive.retention.SERIES``): ``keep_days`` after each record, or for good."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    series = models.CharField(_("series"), max_length=30, choices=RecordSeries.choices)
    keep_days = models.PositiveIntegerField(_("days kept"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), db_default=Now())

    class Meta:
        verbose_name = _("retention schedule")
        verbose_name_plural = _("retention schedules")
        constraints = [
            models.UniqueConstraint(fields=["agency", "series"], name="archive_schedule_once"),
        ]

    def __str__(self) -> str:
        return self.get_series_display()


class DispositionState(models.TextChoices):
    """Where a disposition is: found and waiting for a records officer's review,
    approved and running, done (its certificate made), or cancelled."""

    PROPOSED = "proposed", _("Waiting for review")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Disposition(AgencyOwned):
    """The disposal of a series' records whose time is up: their content erased from the
    log (their leaves and every proof kept), those under a legal hold left alone, and a
    signed certificate of what went kept in the archive (``archive.retention``)."""

    series = models.CharField(_("series"), max_length=30, choices=RecordSeries.choices)
    keep_days = models.PositiveIntegerField(_("days kept"))
    # Records of the series from before then are due.
    before = models.DateTimeField(_("records from before"))
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=DispositionState.choices,
        default=DispositionState.PROPOSED,
    )
    proposed_at = models.DateTimeField(_("proposed"), db_default=Now())
    # What was found when it was proposed, for the review.
    found = models.PositiveIntegerField(_("records due"))
    held = models.PositiveIntegerField(_("records held"))
    first_at = models.DateTimeField(_("first record"), null=True, blank=True)
    last_at = models.DateTimeField(_("last record"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    # While it runs: records erased so far, and when it last went forward.
    disposed = models.PositiveIntegerField(_("records disposed of"), default=0)
    progressed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    # The signed certificate of disposition, kept whole in the archive.
    certificate = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "series"],
                condition=models.Q(state__in=["proposed", "running"]),
                name="archive_disposition_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_series_display()} ({self.before:%Y-%m-%d})"


class OutsideArchiver(AgencyOwned):
    """An archiving service the agency also uses, which gets a copy of every month's
    records as a package (``archive.archiver``), while ``active``."""

    name = models.CharField(_("archiving service"), max_length=200)
    active = models.BooleanField(_("copies made"), default=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), db_default=Now())

    class Meta:
        verbose_name = _("outside archiver")
        verbose_name_plural = _("outside archivers")
        constraints = [models.UniqueConstraint(fields=["agency"], name="archive_archiver_once")]

    def __str__(self) -> str:
        return self.name
