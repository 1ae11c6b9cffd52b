"""The archive's documents as the API gives them: the deployment's keys, signed heads,
and proofs in the shape ``archive.proofs`` checks offline."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive.exports import package_progress
from archive.models import (
    ArchiveEvent,
    ArchiveHead,
    Disposition,
    ExportPackage,
    Holiday,
    LegalHold,
    OutsideArchiver,
    PackageStatus,
    RecordSeries,
    RecordsRequest,
    Redaction,
    RequestStatus,
    SavedSearch,
)
from archive.retention import LONGEST_DAYS
from archive.selectors import head_document
from govsocial.api.addresses import agency_endpoint


class ArchiveKeySerializer(serializers.Serializer[Any]):
    """A public key heads of this deployment are signed with."""

    key_id = serializers.CharField(help_text="The key's name: its SHA-256's first 8 bytes, hex.")
    public_key = serializers.CharField(help_text="The Ed25519 public key, 32 bytes in base64.")
    current = serializers.BooleanField(help_text="Whether new heads are signed with it.")


class TimestampSerializer(serializers.Serializer[Any]):
    """A time-stamping authority's token over a head's signature (RFC 3161)."""

    authority = serializers.CharField(help_text="The authority's address.")
    stamped_at = serializers.CharField(
        help_text="The time it vouches the head existed by: UTC, ISO 8601."
    )
    response = serializers.CharField(
        help_text="Its TimeStampResp (DER, in base64), over the SHA-256 of the signature."
    )


class HeadDocumentSerializer(serializers.Serializer[Any]):
    """A signed head of an agency's log, as its checkpoint gives it."""

    origin = serializers.CharField(help_text="The log: the site's host, /archive/, the agency.")
    size = serializers.IntegerField(help_text="How many events the log held.")
    # The metaclass takes declared fields off the class, so this does not hide Field.root.
    root = serializers.CharField(  # type: ignore[assignment]
        help_text="The root of its Merkle tree, in base64."
    )
    signed_at = serializers.CharField(help_text="When it was signed: UTC, ISO 8601, microseconds.")
    key_id = serializers.CharField(help_text="The name of the key that signed it.")
    signature = serializers.CharField(help_text="Ed25519 over its checkpoint, in base64.")
    timestamp = TimestampSerializer(
        required=False, help_text="Absent until a time-stamping authority stamped it."
    )


class HeadSerializer(HeadDocumentSerializer):
    """A signed head of the agency's log, with its id."""

    id = serializers.IntegerField()

    def to_representation(self, instance: ArchiveHead) -> dict[str, Any]:
        return {"id": instance.pk, **head_document(instance)}


class ArchiveEventSerializer(serializers.ModelSerializer[ArchiveEvent]):
    """One recorded action: who did what to which object, when, with what it recorded
    (``data``, empty once erased: ``erased`` says so; the facts stay)."""

    erased = serializers.SerializerMethodField(help_text="whether its content was erased")

    class Meta:
        model = ArchiveEvent
        fields = [
            "id", "occurred_at", "verb", "actor_type", "actor_id", "actor_name",
            "object_type", "object_id", "object_repr", "data", "erased",
        ]  # fmt: skip
        read_only_fields = fields

    def get_erased(self, event: ArchiveEvent) -> bool:
        return not event.salt


class EventContextSerializer(serializers.Serializer[Any]):
    """What a record belongs to, as its page shows it, oldest first (up to 200 each)."""

    history = ArchiveEventSerializer(
        many=True, help_text="every record about the same object (an item, a post…)"
    )
    part_of = ArchiveEventSerializer(
        many=True,
        help_text="the history of what its object is part of (a delivery's post: how it was "
        "written, submitted and approved)",
    )
    conversation = ArchiveEventSerializer(
        many=True, help_text="the inbox conversation it belongs to, with the replies"
    )


class EventQuerySerializer(serializers.Serializer[Any]):
    """What the list of events is narrowed to."""

    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text="words, in English or French, accents aside (“quoted words”, -left out)",
    )
    action = serializers.CharField(
        required=False, max_length=80, help_text="the action, or how it starts (inbox.)"
    )
    person = serializers.CharField(
        required=False,
        max_length=200,
        help_text="who acted, what it is about, or the citizen who wrote: a name, an email"
        " or a handle, whole or in part, case and accents aside",
    )
    since = serializers.DateTimeField(required=False, help_text="from this moment")
    until = serializers.DateTimeField(required=False, help_text="before this moment")


class InclusionProofSerializer(serializers.Serializer[Any]):
    """The proof that an event is in the log as a signed head has it."""

    head = HeadDocumentSerializer()
    position = serializers.IntegerField(help_text="The event's place in the log, from 0.")
    entry = serializers.DictField(
        help_text="The event's log entry: its facts and the commitment to its content."
    )
    event_content = serializers.DictField(
        required=False,
        help_text="The event's content and salt, absent once the content was erased.",
    )
    proof = serializers.ListField(
        child=serializers.CharField(), help_text="The hashes of the path, in base64."
    )


class ConsistencyProofSerializer(serializers.Serializer[Any]):
    """The proof that the log as a later head has it extends the log as an earlier one had
    it."""

    first = HeadDocumentSerializer()
    second = HeadDocumentSerializer()
    proof = serializers.ListField(child=serializers.CharField(), help_text="Hashes, in base64.")


class SearchCriteriaSerializer(serializers.Serializer[Any]):
    """A search as the Records page runs it: words, action, person, and the first and
    last days (in the viewer's zone, the last included)."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    action = serializers.CharField(required=False, allow_blank=True, max_length=80)
    person = serializers.CharField(required=False, allow_blank=True, max_length=200)
    since = serializers.DateField(required=False, help_text="the first day")
    until = serializers.DateField(required=False, help_text="the last day, included")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Kept as the page's query string has them (days as YYYY-MM-DD).
        return {name: str(value) for name, value in attrs.items()}


class SavedSearchSerializer(serializers.ModelSerializer[SavedSearch]):
    """A search of the archive kept on a records request, to run again on the Records
    page (``/records/?`` and the criteria)."""

    saved_by = serializers.EmailField(source="saved_by.email", read_only=True)
    criteria = SearchCriteriaSerializer()

    class Meta:
        model = SavedSearch
        fields = ["id", "name", "criteria", "saved_by", "saved_at"]
        read_only_fields = ["id", "saved_by", "saved_at"]


class RecordsRequestSerializer(serializers.ModelSerializer[RecordsRequest]):
    """A records request as a case: ``due_on`` follows from its kind and the day it was
    received (20 working days, the agency's holidays not counted, for public records;
    one month for a person's requests about their data, two more once extended with
    ``extension_reason``)."""

    opened_by = serializers.EmailField(source="opened_by.email", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="open, and past its due day")
    searches = SavedSearchSerializer(many=True, read_only=True)

    class Meta:
        model = RecordsRequest
        fields = [
            "id", "number", "kind", "requester", "requester_email", "subject", "received_on",
            "due_on", "extension_reason", "status", "opened_by", "opened_at", "closed_at",
            "overdue", "searches",
        ]  # fmt: skip
        read_only_fields = [
            "id", "number", "due_on", "extension_reason", "status", "opened_by", "opened_at",
            "closed_at",
        ]  # fmt: skip
        extra_kwargs = {"requester_email": {"required": False, "default": ""}}

    def get_overdue(self, request: RecordsRequest) -> bool:
        return request.status == RequestStatus.OPEN and request.due_on < timezone.localdate()


class RequestStatusSerializer(serializers.Serializer[Any]):
    """Where the request is now."""

    status = serializers.ChoiceField(choices=RequestStatus.choices)


class HolidaySerializer(serializers.ModelSerializer[Holiday]):
    """A day the agency does not count in public-records deadlines."""

    class Meta:
        model = Holiday
        fields = ["id", "day", "name"]
        read_only_fields = ["id"]


class LegalHoldSerializer(serializers.ModelSerializer[LegalHold]):
    """A legal hold on what a saved search finds, now and as it arrives: none of it may
    be erased or disposed of while the hold stands (``lifted_at`` null)."""

    search = serializers.IntegerField(
        source="search_id", help_text="the id of a search saved on one of the agency's requests"
    )
    search_name = serializers.CharField(source="search.name", read_only=True)
    request = serializers.IntegerField(source="search.request_id", read_only=True)
    request_number = serializers.CharField(source="search.request.number", read_only=True)
    placed_by = serializers.EmailField(source="placed_by.email", read_only=True)
    lifted_by = serializers.EmailField(source="lifted_by.email", read_only=True, allow_null=True)

    class Meta:
        model = LegalHold
        fields = [
            "id", "search", "search_name", "request", "request_number", "reason", "placed_by",
            "placed_at", "lifted_by", "lifted_at", "lift_reason",
        ]  # fmt: skip
        read_only_fields = ["id", "placed_at", "lifted_at", "lift_reason"]
        extra_kwargs = {"reason": {"max_length": 2000}}


class HoldLiftSerializer(serializers.Serializer[Any]):
    """Why the hold is lifted."""

    reason = serializers.CharField(max_length=2000)


class PackageSearchSerializer(serializers.Serializer[Any]):
    """A search as it stood on the request when the package was asked for."""

    name = serializers.CharField(help_text="the search's name")
    criteria = SearchCriteriaSerializer()


class ExportPackageSerializer(serializers.ModelSerializer[ExportPackage]):
    """A records package: what a request's saved searches found, built in the background
    into a ZIP in BagIt layout that anyone can check offline (its README.txt says how);
    downloadable until ``expires_at``, then deleted (the row stays)."""

    request = serializers.IntegerField(
        source="request_id", read_only=True, help_text="the records request's id"
    )
    request_number = serializers.CharField(
        source="request.number", read_only=True, help_text="the records request's number"
    )
    searches = PackageSearchSerializer(
        many=True, read_only=True, help_text="the request's saved searches it ran"
    )
    requested_by = serializers.EmailField(
        source="requested_by.email", read_only=True, help_text="who asked for it, by email"
    )
    progress = serializers.SerializerMethodField(
        help_text="how far the build is, in percent, while it is being built; else null"
    )
    file_name = serializers.CharField(read_only=True, help_text="the name it downloads as")
    download = serializers.SerializerMethodField(
        help_text="the address of the ZIP while it is ready; else null"
    )

    class Meta:
        model = ExportPackage
        fields = [
            "id", "request", "request_number", "status", "progress", "searches", "time_zone",
            "language", "requested_by", "requested_at", "started_at", "finished_at",
            "expires_at", "events", "size", "sha256", "failure", "file_name", "download",
            "released",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "status": {"help_text": "where it is: waiting for a worker, being built, ready to"
                       " download, failed, past its time and deleted, or deleted because"
                       " records it held were erased since"},
            "time_zone": {"help_text": "the zone the searches' days were read in, and the"
                          " pages' times are shown in"},
            "language": {"help_text": "the language of the pages' own words"},
            "released": {"help_text": "a released copy: what the request's redactions keep out"
                         " is left out, its pages are also PDF; else the complete package"},
            "requested_at": {"help_text": "when it was asked for"},
            "started_at": {"help_text": "when its build (last) started"},
            "finished_at": {"help_text": "when it was built, or failed"},
            "expires_at": {"help_text": "until when it may be downloaded, once built"},
            "events": {"help_text": "how many events it holds, once built"},
            "size": {"help_text": "the ZIP's size in bytes, once built"},
            "sha256": {"help_text": "the ZIP's SHA-256 in hex, once built; else empty"},
            "failure": {"help_text": "why its build failed; else empty"},
        }  # fmt: skip

    def get_progress(self, package: ExportPackage) -> int | None:
        return package_progress(package)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download(self, package: ExportPackage) -> str | None:
        if package.status != PackageStatus.READY:
            return None
        return agency_endpoint(self.context["request"], "exportpackage-download", package.pk)


class RetentionScheduleSerializer(serializers.Serializer[Any]):
    """How long a series of the agency's records is kept: ``keep_days`` after each record,
    or for good (null). A series that ``follows`` another is kept as long as that one."""

    series = serializers.ChoiceField(choices=RecordSeries.choices, source="code")
    name = serializers.CharField(source="label")
    keep_days = serializers.IntegerField(allow_null=True)
    default_days = serializers.IntegerField(source="series.default_days", allow_null=True)
    basis = serializers.CharField(source="series.basis", help_text="where the default comes from")
    legal_basis = serializers.CharField(
        source="series.legal_basis", help_text="the lawful basis of the records' processing"
    )
    exempt_from_erasure = serializers.CharField(
        source="series.exempt_from_erasure",
        allow_null=True,
        help_text="why a person's request to erase these records is refused (null: erased)",
    )
    follows = serializers.ChoiceField(choices=RecordSeries.choices, allow_null=True)
    changed_by = serializers.EmailField(
        source="changed.changed_by.email", allow_null=True, default=None
    )
    changed_at = serializers.DateTimeField(
        source="changed.changed_at", allow_null=True, default=None
    )


class ScheduleChangeSerializer(serializers.Serializer[Any]):
    """How long the series is kept from now on: days after each record, or null for good."""

    keep_days = serializers.IntegerField(allow_null=True, min_value=1, max_value=LONGEST_DAYS)


class DispositionSerializer(serializers.ModelSerializer[Disposition]):
    """The disposal of a series' records from before ``before``: proposed with what was
    due (``found``, of which ``held`` under a legal hold), reviewed by a records officer,
    run (``disposed`` so far), and its signed certificate kept in the archive
    (``certificate``, a kept content's SHA-256, downloadable at ``certificate_download``)."""

    reviewed_by = serializers.EmailField(source="reviewed_by.email", allow_null=True, default=None)
    certificate_download = serializers.SerializerMethodField(
        help_text="where the certificate downloads from, once it is made"
    )

    class Meta:
        model = Disposition
        fields = [
            "id", "series", "keep_days", "before", "state", "proposed_at", "found", "held",
            "first_at", "last_at", "reviewed_by", "reviewed_at", "review_note", "disposed",
            "done_at", "certificate", "certificate_download",
        ]  # fmt: skip
        read_only_fields = fields

    def get_certificate_download(self, disposition: Disposition) -> str | None:
        """The address of the certificate, once it is made."""
        if not disposition.certificate:
            return None
        return agency_endpoint(self.context["request"], "disposition-certificate", disposition.pk)


class DispositionReviewSerializer(serializers.Serializer[Any]):
    """What the reviewer says: needed to cancel, optional to run."""

    note = serializers.CharField(max_length=2000, allow_blank=True, default="")


class ErasureSeriesSerializer(serializers.Serializer[Any]):
    """One series of what an erasure request's searches find."""

    series = serializers.ChoiceField(choices=RecordSeries.choices, source="series.code")
    found = serializers.IntegerField(help_text="records found that still hold their content")
    held = serializers.IntegerField(help_text="of them, under a legal hold: kept")
    to_erase = serializers.IntegerField(help_text="what carrying it out erases")
    erased = serializers.IntegerField(help_text="what carrying it out erased")
    exemption = serializers.CharField(help_text='why the law keeps the series ("": it does not)')


class ErasureSerializer(serializers.Serializer[Any]):
    """What an erasure request would erase (``done`` false) or erased (``done`` true)."""

    done = serializers.BooleanField()
    series = ErasureSeriesSerializer(many=True)


class RestrictionSerializer(serializers.Serializer[Any]):
    """Whether a restriction request's restriction of processing stands."""

    standing = serializers.BooleanField()


class ReasonSerializer(serializers.Serializer[Any]):
    """Why: it is recorded."""

    reason = serializers.CharField(max_length=2000)


class ObjectionRefusalSerializer(serializers.Serializer[Any]):
    """The compelling legitimate grounds an objection is refused for."""

    grounds = serializers.CharField(max_length=4000)


class RestrictionChangeSerializer(serializers.Serializer[Any]):
    """Restrict (``apply`` true) or lift the restriction, saying why (``reason``)."""

    apply = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, required=False, default="")


class OutsideArchiverSerializer(serializers.ModelSerializer[OutsideArchiver]):
    """The archiving service the agency also uses, which gets a copy of every month's
    records while ``active`` (each a records request of the kind ``archiver_copy``)."""

    changed_by = serializers.EmailField(source="changed_by.email", read_only=True)

    class Meta:
        model = OutsideArchiver
        fields = ["name", "active", "changed_by", "changed_at"]
        read_only_fields = ["changed_by", "changed_at"]
        extra_kwargs = {"name": {"max_length": 200}, "active": {"required": True}}


class PackageStartSerializer(serializers.Serializer[Any]):
    """Which package to build."""

    released = serializers.BooleanField(
        default=False,
        help_text="a released copy, leaving out what the request's redactions keep out",
    )


class RedactionSerializer(serializers.ModelSerializer[Redaction]):
    """Words a request's released copies keep out wherever they appear, or an area of a
    kept image (``left``, ``top``, ``width``, ``height`` as fractions of its size),
    burned in; with the reason."""

    request = serializers.IntegerField(
        source="request_id", help_text="the id of the agency's records request"
    )
    marked_by = serializers.EmailField(source="marked_by.email", read_only=True)

    class Meta:
        model = Redaction
        fields = [
            "id", "request", "words", "image", "left", "top", "width", "height", "reason",
            "marked_by", "marked_at",
        ]  # fmt: skip
        read_only_fields = ["id", "marked_at"]
        extra_kwargs = {
            "words": {"help_text": "the words, matched in any case (or blank for an area)"},
            "image": {"help_text": "the SHA-256 of a kept image (or blank for words)"},
            "left": {"min_value": 0, "max_value": 1},
            "top": {"min_value": 0, "max_value": 1},
            "width": {"min_value": 0, "max_value": 1},
            "height": {"min_value": 0, "max_value": 1},
        }


class SuggestionSerializer(serializers.Serializer[Any]):
    """Something that looks like personal data in what a request's searches find."""

    words = serializers.CharField()
    kind = serializers.ChoiceField(choices=["email", "phone", "handle", "name"])
    count = serializers.IntegerField(help_text="how many of the records found show it")
    own = serializers.BooleanField(
        help_text="whether it is the person the request is about (its searches' person)"
    )


class ThirdPartiesSerializer(serializers.Serializer[Any]):
    """How many third parties were redacted."""

    marked = serializers.IntegerField()
