"""Shapes of agencies, members and invitations in the API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import Agency, Invitation, Membership, Role, User


class MyAgencySerializer(serializers.ModelSerializer):
    """An agency the signed-in person belongs to, with their roles there."""

    slug = serializers.CharField(source="agency.slug")
    name = serializers.CharField(source="agency.name")
    parent_agency = serializers.CharField(
        source="agency.parent.slug", allow_null=True, default=None
    )
    time_zone = serializers.CharField(source="agency.time_zone")
    languages = serializers.ListField(child=serializers.CharField(), source="agency.languages")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))

    class Meta:
        model = Membership
        fields = ["slug", "name", "parent_agency", "time_zone", "languages", "roles"]


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name"]


class MemberSerializer(serializers.ModelSerializer):
    """A membership; only ``roles`` can be changed through it."""

    user = UserSerializer(read_only=True)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), allow_empty=False, min_length=1
    )

    class Meta:
        model = Membership
        fields = ["id", "user", "roles", "is_active", "created_at", "deactivated_at"]
        read_only_fields = ["id", "user", "is_active", "created_at", "deactivated_at"]


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation to join the agency; the link goes by email only."""

    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), allow_empty=False, min_length=1
    )
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "roles", "invited_by", "created_at", "expires_at"]
        read_only_fields = ["id", "invited_by", "created_at", "expires_at"]
        # Uniqueness is the service's rule, with its own message.
        validators: list[Any] = []


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["slug", "name", "time_zone", "languages"]
