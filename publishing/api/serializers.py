"""Shapes of publishing in the API: network accounts (tokens never leave the server),
posts with their targets and files, and the media library."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import ApiKey
from govsocial.errors import GovsocialError
from govsocial.timezones import MomentOutOfRange, moment_read
from publishing.models import (
    MediaAsset,
    Post,
    PostMedia,
    PostTarget,
    PublishingPause,
    SocialAccount,
)
from publishing.networks.limits import ALT_TEXT_LONGEST, TEXT_LONGEST
from publishing.selectors import MEDIA_COLUMNS, POST_COLUMNS, TARGET_COLUMNS, column_names


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class FileField(serializers.FileField):
    """A file, which may not be empty (the schema says so)."""


# Links that are empty until there is one: a plain string, not a URI.
EMPTY_OR_WEB_ADDRESS = "a full web address, or empty when there is none"


class SocialAccountSerializer(serializers.ModelSerializer):
    """A connected network account and its health."""

    connected_by = serializers.EmailField(source="connected_by.email", read_only=True)
    avatar_url = serializers.CharField(read_only=True, help_text=EMPTY_OR_WEB_ADDRESS)
    picture_sha256 = serializers.CharField(
        source="picture_digest",
        read_only=True,
        help_text="the SHA-256 of the account's picture (its bytes at picture/), in hex;"
        " empty when it has none",
    )

    class Meta:
        model = SocialAccount
        fields = [
            "id",
            "network",
            "remote_id",
            "handle",
            "display_name",
            "avatar_url",
            "picture_sha256",
            "scopes",
            "health",
            "health_reason",
            "health_checked_at",
            "rate_limited_until",
            "token_expires_at",
            "connected_by",
            "connected_at",
            "disconnected_at",
        ]
        read_only_fields = fields


class PublishersSerializer(serializers.Serializer):
    """The members (by member id) and API keys (by key id) who may publish to an account
    besides the admins and admin keys."""

    members = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    api_keys = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class PublishersWriteSerializer(PublishersSerializer):
    """The members and API keys who may publish to an account besides the admins and
    admin keys; without ``api_keys``, the keys chosen stay as they are."""

    api_keys = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=True, required=False
    )


OVERDUE_HELP = (
    "Waiting for approval (in_review), or approved, while its scheduled_at has passed: it "
    "is not on the schedule and does not go out by itself (approved, it needs a new time "
    "or publish-now)."
)


class PostTargetSerializer(serializers.ModelSerializer):
    """One account's copy of a post and its delivery."""

    network = serializers.CharField(source="account.network", read_only=True)
    handle = serializers.CharField(source="account.handle", read_only=True)
    permalink = serializers.CharField(read_only=True, help_text=EMPTY_OR_WEB_ADDRESS)
    comment_permalink = serializers.CharField(read_only=True, help_text=EMPTY_OR_WEB_ADDRESS)

    class Meta:
        model = PostTarget
        fields = column_names(TARGET_COLUMNS)
        read_only_fields = fields


class PostMediaSerializer(serializers.ModelSerializer):
    """A file attached to a post, with the alt text it goes out with."""

    name = serializers.CharField(source="asset.original_name", read_only=True)
    mime_type = serializers.CharField(source="asset.mime_type", read_only=True)

    class Meta:
        model = PostMedia
        fields = column_names(MEDIA_COLUMNS)
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A post scheduled for two accounts",
            response_only=True,
            value={
                "id": 812,
                "status": "scheduled",
                "text": "The library opens late on Monday: 10 a.m.",
                "link": "https://riverton.example/library",
                "language": "en",
                "translation": 813,
                "campaign": "library",
                "author": "ada@riverton.example",
                "api_key": 4,
                "scheduled_at": "2030-03-31T13:00:00Z",
                "overdue": False,
                "revision": 2,
                "approved_hash": "5f2b9c0e8d6a4b17c3e1f09a2d4b6c8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c",
                "targets": [
                    {
                        "account": 3,
                        "network": "x",
                        "handle": "riverton",
                        "has_own_text": False,
                        "text": "",
                        "state": "scheduled",
                        "next_attempt_at": "2030-03-31T13:00:00Z",
                        "remote_id": "",
                        "permalink": "",
                        "published_at": None,
                        "failure_reason": "",
                        "first_comment": "",
                        "comment_state": "",
                        "comment_remote_id": "",
                        "comment_permalink": "",
                        "comment_failure_reason": "",
                    }
                ],
                "media": [
                    {
                        "asset": 41,
                        "position": 0,
                        "name": "library.jpg",
                        "mime_type": "image/jpeg",
                        "alt_text": "The library's front door",
                    }
                ],
                "created_at": "2030-03-30T15:02:11.402Z",
                "updated_at": "2030-03-30T15:04:40.918Z",
            },
        )
    ]
)
class PostSerializer(serializers.ModelSerializer):
    """A post, its targets and files; ``revision`` is its newest revision's number,
    ``approved_hash`` the content hash that may go out, ``translation`` the id of the
    same post in the other official language (null when it has none), and ``api_key``
    the id of the API key it was written with (null when a person wrote it).

    The schema of a post: the API writes posts out from ``publishing.selectors.post_rows``
    (a test holds the two to the same fields and types)."""

    author = serializers.EmailField(source="author.email", read_only=True)
    api_key: serializers.PrimaryKeyRelatedField[ApiKey] = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The API key the post was written with (its owner is the author), or null.",
    )
    link = serializers.CharField(read_only=True, help_text=EMPTY_OR_WEB_ADDRESS)
    revision = serializers.IntegerField(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(read_only=True, help_text=OVERDUE_HELP)
    targets = PostTargetSerializer(many=True, read_only=True)
    media = PostMediaSerializer(many=True, read_only=True)

    class Meta:
        model = Post
        fields = [*column_names(POST_COLUMNS), "overdue", "targets", "media"]
        read_only_fields = fields


class AttachmentSerializer(serializers.Serializer):
    """A library file to attach; without ``alt_text`` the library's is used."""

    asset = serializers.IntegerField()
    alt_text = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, max_length=ALT_TEXT_LONGEST
    )


class ByAccountField(serializers.DictField):
    """Texts keyed by account id (the schema says the keys are ids)."""

    keyed_by_id = True

    def to_internal_value(self, data: Any) -> dict[int, Any]:
        texts = super().to_internal_value(data)
        if not all(key.isascii() and key.isdigit() for key in texts):
            raise serializers.ValidationError(_("Key each text by its account's id."))
        return {int(account_id): text for account_id, text in texts.items()}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A post for two accounts with a photo",
            request_only=True,
            value={
                "text": "The library opens late on Monday: 10 a.m.",
                "link": "https://riverton.example/library",
                "language": "en",
                "campaign": "library",
                "accounts": [3, 5],
                "variants": {"5": "Monday the library opens at 10 a.m. #Riverton"},
                "media": [{"asset": 41, "alt_text": "The library's front door"}],
                "first_comments": {"3": "Opening hours: https://riverton.example/hours"},
            },
        )
    ]
)
class PostWriteSerializer(serializers.Serializer):
    """What an integrator writes: base text, accounts, each account's own text (by
    account id; null says the base text again), files with alt text, link, language,
    campaign."""

    text = serializers.CharField(
        allow_blank=True, trim_whitespace=False, default="", max_length=TEXT_LONGEST
    )
    link = serializers.CharField(allow_blank=True, max_length=2000, default="")
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")
    campaign = serializers.CharField(allow_blank=True, max_length=100, default="")
    accounts = serializers.ListField(child=serializers.IntegerField(), default=list)
    variants = ByAccountField(
        child=serializers.CharField(
            allow_null=True, allow_blank=True, trim_whitespace=False, max_length=TEXT_LONGEST
        ),
        default=dict,
    )
    media = AttachmentSerializer(many=True, default=list)
    first_comments = ByAccountField(
        child=serializers.CharField(
            allow_blank=True, trim_whitespace=False, max_length=TEXT_LONGEST
        ),
        default=dict,
        help_text="Each account's first comment, by account id: posted by the account "
        "under the post once it is published (empty for none).",
    )


@extend_schema_field({"type": "string", "format": "date-time"})
class MomentField(serializers.Field[datetime, str, str, Any]):
    """A moment in ISO 8601 with its UTC offset (RFC 3339's date-time), read as an
    aware time. One without its offset is refused (it would name no moment); one out of
    the years a date can have is refused as a rule (as a past time is)."""

    def to_internal_value(self, data: str) -> datetime:
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Give the time as a string."))
        try:
            moment = moment_read(data)
        except MomentOutOfRange as error:
            raise GovsocialError(error.message, field=self.field_name) from error
        if moment is None:
            raise serializers.ValidationError(
                _(
                    "Give the time in ISO 8601 with its UTC offset, such as "
                    "2030-03-31T09:00:00-04:00."
                )
            )
        return moment

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "9 a.m. in Toronto",
            request_only=True,
            value={"at": "2030-03-31T09:00:00-04:00"},
        )
    ]
)
class PublishNowSerializer(serializers.Serializer):
    """Putting a post on its way; scheduling approves a post whose accounts need no
    approval, and asks then for the content rules' warnings."""

    acknowledge_warnings = serializers.BooleanField(
        default=False,
        help_text="true: the caller has read the content rules' warnings and schedules "
        "anyway (refused without it when scheduling approves a post that has any, each "
        "warning in errors with the code content_warning)",
    )


class ScheduleSerializer(PublishNowSerializer):
    """When to publish: an ISO 8601 time with its UTC offset."""

    at = MomentField(help_text="ISO 8601 with an offset, e.g. 2030-03-31T09:00:00-04:00")


class MediaAssetSerializer(serializers.ModelSerializer):
    """A file of the media library (its bytes at the ``file`` endpoint)."""

    uploaded_by = serializers.EmailField(source="uploaded_by.email", read_only=True)

    class Meta:
        model = MediaAsset
        fields = [
            "id",
            "original_name",
            "mime_type",
            "size_bytes",
            "sha256",
            "alt_text",
            "alt_text_fr",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = ["id", "original_name", "mime_type", "size_bytes", "sha256"]
        read_only_fields += ["uploaded_by", "created_at"]


class MediaUploadSerializer(serializers.Serializer):
    """An image or video to add to the library, with its alt text."""

    file = FileField()
    alt_text = serializers.CharField(allow_blank=True, default="", max_length=ALT_TEXT_LONGEST)
    alt_text_fr = serializers.CharField(allow_blank=True, default="", max_length=ALT_TEXT_LONGEST)


class PublishingPauseSerializer(serializers.ModelSerializer):
    """A crisis pause: why, which accounts (none: every account), until when."""

    accounts: serializers.PrimaryKeyRelatedField[SocialAccount] = (
        serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    )
    account_ids = serializers.ListField(
        child=serializers.IntegerField(), write_only=True, required=False, default=list
    )
    started_by = serializers.EmailField(source="started_by.email", read_only=True)

    class Meta:
        model = PublishingPause
        fields = [
            "id",
            "reason",
            "accounts",
            "account_ids",
            "until",
            "started_by",
            "started_at",
            "ended_at",
        ]
        read_only_fields = ["id", "accounts", "started_by", "started_at", "ended_at"]


class ResumeSerializer(serializers.Serializer):
    """Whether posts whose time passed during the pause go out now (else stay held)."""

    overdue_now = serializers.BooleanField(default=False)


class CalendarAccountSerializer(serializers.Serializer):
    """An account a scheduled post goes to."""

    id = serializers.IntegerField()
    network = serializers.CharField()
    handle = serializers.CharField()


class CalendarEntrySerializer(serializers.Serializer):
    """A scheduled post as the calendar and its exports give it."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    overdue = serializers.BooleanField(help_text=OVERDUE_HELP)
    scheduled_at = serializers.DateTimeField(help_text="in the reader's zone, with its offset")
    scheduled_at_utc = serializers.DateTimeField()
    time_zone = serializers.CharField()
    accounts = CalendarAccountSerializer(many=True)
    text = serializers.CharField()
    link = serializers.CharField()
    campaign = serializers.CharField()
    language = serializers.CharField()
    author = serializers.EmailField()
    url = serializers.CharField(help_text="the post's page, a path on this site")


class CalendarSerializer(serializers.Serializer):
    """The posts scheduled in a range, and the zone their local times are in."""

    time_zone = serializers.CharField()
    posts = CalendarEntrySerializer(many=True)


class ScheduleImportSerializer(serializers.Serializer):
    """A CSV file of posts to schedule."""

    file = FileField()


class QueueSlotSerializer(serializers.Serializer):
    """A weekly queue time: weekday (Monday 0) and time, in the agency's time zone."""

    weekday = serializers.IntegerField(min_value=0, max_value=6)
    time = serializers.TimeField(format="%H:%M")


class QueueSlotsSerializer(serializers.Serializer):
    """An account's queue times and the zone they are in."""

    time_zone = serializers.CharField(read_only=True)
    slots = QueueSlotSerializer(many=True)


class AddToQueueSerializer(serializers.Serializer):
    """When to start looking for a free queue time (now when left out)."""

    not_before = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TargetChoiceSerializer(serializers.Serializer):
    """One of the post's accounts, by its id."""

    account = serializers.IntegerField()
