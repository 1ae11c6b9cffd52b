"""A person's notifications and their choices, as the API gives and takes them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from notifications.models import Delivery, Kind, Notification


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    """Something the signed-in person was told of in the agency, with the address of
    what it is about. One about an item whose processing is restricted says only that,
    as the page does, until the restriction is lifted."""

    restricted = serializers.SerializerMethodField(
        help_text="whether what it is about is restricted (its subject and message say so alone)"
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "link", "created_at", "read_at", "restricted"]
        read_only_fields = fields

    def get_restricted(self, notification: Notification) -> bool:
        return bool(notification.restricted_under)

    def to_representation(self, notification: Notification) -> dict[str, Any]:
        shown: dict[str, Any] = super().to_representation(notification)
        if notification.restricted_under:
            shown["subject"] = shown["body"] = _("About an item whose processing is restricted")
        return shown


class ReadAllSerializer(serializers.Serializer[dict[str, int]]):
    """How many notifications were marked read."""

    read = serializers.IntegerField(min_value=0)


class ChoicesSerializer(serializers.Serializer[dict[str, str]]):
    """How the signed-in person is told of each kind of notification (it is in their
    list in any case): ``email`` at once, ``digest`` in one email a day, ``app`` only in
    govsocial. A change names the kinds it changes; the others stay."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            kind: serializers.ChoiceField(
                choices=Delivery.choices, required=False, help_text=str(label)
            )
            for kind, label in Kind.choices
        }
