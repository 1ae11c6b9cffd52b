"""Shapes of network accounts in the API; tokens never leave the server."""

from __future__ import annotations

from rest_framework import serializers

from publishing.models import PublishingPause, SocialAccount


class SocialAccountSerializer(serializers.ModelSerializer):
    """A connected network account and its health."""

    connected_by = serializers.EmailField(source="connected_by.email", read_only=True)

    class Meta:
        model = SocialAccount
        fields = [
            "id",
            "network",
            "remote_id",
            "handle",
            "display_name",
            "avatar_url",
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
    """The members (by member id) who may publish to an account besides the admins."""

    members = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


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
