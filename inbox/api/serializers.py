"""Shapes of the inbox in the API: an item as the network showed it and where the
agency is with it; the agency's replies; the filters of the list."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from approvals.api.serializers import DecisionSerializer, FindingSerializer
from approvals.models import Approval, ApprovalState
from govsocial.api.addresses import agency_endpoint
from govsocial.api.parameters import LARGEST_ID
from inbox.figures import DEFAULT_PERIOD, PERIODS
from inbox.models import (
    InboxItem,
    InboxItemMedia,
    InboxNote,
    InboxReply,
    ItemKind,
    ItemStatus,
    MediaState,
    PolicyClause,
    Priority,
    RoutingRule,
    SavedReply,
)
from inbox.moderation import Action, item_actions
from publishing.models.accounts import NETWORK_CHOICES

TEXT_LONGEST = 5000
# A time of day as the coverage's hours are given: the agency's clock, no offset.
HOUR_MINUTE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class InboxItemMediaSerializer(serializers.ModelSerializer[InboxItemMedia]):
    """A file (image or video) the citizen attached: where it is on its way into the
    archive, and, once kept, where to download the archive's copy."""

    download = serializers.SerializerMethodField(
        help_text="the address of the kept file's bytes; null until it is kept"
    )

    class Meta:
        model = InboxItemMedia
        fields = [
            "id", "version", "position", "kind", "mime_type", "alt_text", "state",
            "failure_reason", "size", "download",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download(self, media: InboxItemMedia) -> str | None:
        if media.state != MediaState.KEPT:
            return None
        return agency_endpoint(self.context["request"], "inboxitem-file", media.item_id, media.pk)


class InboxItemSerializer(serializers.ModelSerializer[InboxItem]):
    """What a citizen wrote to one of the agency's accounts, as the network last showed
    it, and where the agency is with it."""

    account = serializers.IntegerField(source="account_id", help_text="the account's id")
    network = serializers.CharField(source="account.network")
    post = serializers.SerializerMethodField(help_text="our post it answers, when it is one")
    assignee = serializers.EmailField(
        source="assignee.email", allow_null=True, help_text="who has it, by email"
    )
    moderations = serializers.SerializerMethodField(
        help_text="what may be done to it on its network now (see moderate)"
    )
    author_blocked = serializers.BooleanField(
        read_only=True, help_text="whether its account blocked its author on the network"
    )
    media = InboxItemMediaSerializer(
        many=True, read_only=True, help_text="the files the citizen attached, in order"
    )

    class Meta:
        model = InboxItem
        fields = [
            "id", "account", "network", "remote_id", "kind", "author_handle", "author_name",
            "text", "permalink", "in_reply_to_remote_id", "post", "thread", "written_at",
            "received_at", "language", "version", "hidden", "deleted_on_network_at",
            "deleted_by_agency", "erased_at", "author_blocked", "moderations", "status",
            "priority", "assignee", "tags", "media",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Action.choices)))
    def get_moderations(self, item: InboxItem) -> list[str]:
        blocked = bool(getattr(item, "author_blocked", False))
        return [action.value for action in item_actions(item, author_blocked=blocked)]

    def get_post(self, item: InboxItem) -> int | None:
        return item.target.post_id if item.target_id else None  # type: ignore[union-attr]

    def to_representation(self, instance: InboxItem) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["assignee"] = instance.assignee.email if instance.assignee_id else None  # type: ignore[union-attr]
        return data


class ModerationSerializer(serializers.Serializer[Any]):
    """Do something to an item on its network under a clause of the agency's comment
    policy (by its number)."""

    action = serializers.ChoiceField(
        choices=Action.choices, help_text="one of the item's moderations"
    )
    clause = serializers.CharField(max_length=20, help_text="the clause's number, in force")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PolicyClauseSerializer(serializers.ModelSerializer[PolicyClause]):
    """A clause of the agency's comment policy."""

    class Meta:
        model = PolicyClause
        fields = ["id", "code", "title", "text", "retired_at"]
        read_only_fields = fields


class SavedReplySerializer(serializers.ModelSerializer[SavedReply]):
    """A reply the agency keeps ready: ``{handle}`` stands for the citizen's handle,
    ``{agency}`` for the agency's name."""

    class Meta:
        model = SavedReply
        fields = ["id", "title", "text_en", "text_fr"]
        read_only_fields = fields


class InboxItemChangeSerializer(serializers.Serializer[Any]):
    """Where the agency is with an item: its status, and who has it (a member who works
    the inbox, by email; null: nobody)."""

    status = serializers.ChoiceField(choices=ItemStatus.choices, required=False)
    assignee = serializers.EmailField(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=10, required=False
    )


class InboxItemQuerySerializer(serializers.Serializer[Any]):
    """The list's filters."""

    account = serializers.IntegerField(
        required=False, min_value=1, max_value=LARGEST_ID, help_text="only this account's items"
    )
    network = serializers.ChoiceField(
        choices=NETWORK_CHOICES, required=False, help_text="only this network's items"
    )
    kind = serializers.ChoiceField(choices=ItemKind.choices, required=False)
    status = serializers.ChoiceField(choices=ItemStatus.choices, required=False)
    assignee = serializers.EmailField(
        required=False, help_text="only the items of this member, by email"
    )
    language = serializers.ChoiceField(
        choices=(), required=False, help_text="only items in this language (ISO 639-1)"
    )
    q = serializers.CharField(required=False, max_length=200, help_text="text contains")
    tag = serializers.CharField(required=False, max_length=50, help_text="only items with this tag")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = list(settings.INBOX_LANGUAGES)  # type: ignore[attr-defined]


class InboxNoteSerializer(serializers.ModelSerializer[InboxNote]):
    """A note the agency's members wrote on an item for each other."""

    item = serializers.IntegerField(source="item_id", read_only=True)
    written_by = serializers.EmailField(source="written_by.email", read_only=True)

    class Meta:
        model = InboxNote
        fields = ["id", "item", "text", "written_by", "written_at"]
        read_only_fields = ["id", "item", "written_by", "written_at"]
        extra_kwargs = {"text": {"max_length": TEXT_LONGEST}}


class ReplyRoundSerializer(serializers.Serializer[Approval]):
    """A reply's round of sign-off: the chain it follows (as it was when the reply was
    written), the step deciding now (from 1) of how many, who may decide it (by
    email), every decision so far, and what the content rules found."""

    chain = serializers.CharField(source="chain_name")
    state = serializers.ChoiceField(choices=ApprovalState.choices)
    step = serializers.IntegerField()
    steps = serializers.IntegerField(help_text="how many steps the round has")
    deciding = serializers.ListField(
        child=serializers.EmailField(), help_text="who may decide the step deciding now"
    )
    decisions = DecisionSerializer(many=True)
    findings = FindingSerializer(many=True)

    def to_representation(self, instance: Approval) -> dict[str, Any]:
        step = instance.steps[instance.step - 1]
        deciding = User.objects.filter(pk__in=step["approvers"]).order_by("email")
        return {
            "chain": instance.chain_name,
            "state": instance.state,
            "step": instance.step,
            "steps": len(instance.steps),
            "deciding": list(deciding.values_list("email", flat=True)),
            "decisions": DecisionSerializer(
                instance.decisions.select_related("decided_by").order_by("decided_at", "pk"),
                many=True,
            ).data,
            "findings": instance.findings,
        }


class InboxReplySerializer(serializers.ModelSerializer[InboxReply]):
    """The agency's answer to an item, and where it is on its way to the network:
    "in_review" while it waits for approval (``approval``), "not_approved" when its
    round ended otherwise (what was said in ``failure_reason``)."""

    item = serializers.IntegerField(source="item_id", read_only=True)
    written_by = serializers.EmailField(source="written_by.email", read_only=True)
    acknowledge_warnings = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text="true: the writer has read the content rules' warnings and sends it as it is",
    )
    approval = ReplyRoundSerializer(
        read_only=True, allow_null=True, help_text="its round of sign-off, where it passes one"
    )

    class Meta:
        model = InboxReply
        fields = [
            "id", "item", "text", "written_by", "written_at", "state", "remote_id",
            "permalink", "sent_at", "failure_reason", "acknowledge_warnings", "approval",
        ]  # fmt: skip
        read_only_fields = [name for name in fields if name not in ("text", "acknowledge_warnings")]
        extra_kwargs = {"text": {"max_length": TEXT_LONGEST}}


class RoutingRuleSerializer(serializers.ModelSerializer[RoutingRule]):
    """A routing rule: new items that reached its account (null: any) and say one of its
    words (none: anything) go to its member (by email), get its tag and at least its
    priority."""

    account = serializers.IntegerField(
        source="account_id", allow_null=True, required=False, default=None, min_value=1,
        max_value=LARGEST_ID, help_text="the account's id; null: any account",
    )  # fmt: skip
    assignee = serializers.EmailField(
        source="assignee.email", allow_null=True, required=False, default=None,
        help_text="the member who gets the items, by email; null: nobody",
    )  # fmt: skip
    words = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=50, required=False, default=list
    )

    class Meta:
        model = RoutingRule
        fields = ["id", "name", "words", "account", "assignee", "tag", "priority", "retired_at"]
        read_only_fields = ["id", "retired_at"]
        extra_kwargs = {"tag": {"required": False, "default": ""}}


class FiguresQuerySerializer(serializers.Serializer[Any]):
    """The period the response-time figures cover."""

    days = serializers.ChoiceField(
        choices=PERIODS, required=False, default=DEFAULT_PERIOD, help_text="days back from now"
    )


class TimingSerializer(serializers.Serializer[Any]):
    """How long a group of items waited for their first answer."""

    answered = serializers.IntegerField(help_text="items answered")
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True, help_text="the 90th percentile")


class FiguresRowSerializer(serializers.Serializer[Any]):
    """One account's or one member's figures."""

    id = serializers.IntegerField(help_text="the account's or the member's id")
    name = serializers.CharField()
    overall = TimingSerializer()
    in_hours = TimingSerializer(help_text="items that arrived in business hours")
    after_hours = TimingSerializer(help_text="items that arrived outside them")


class WaitingSerializer(serializers.Serializer[Any]):
    """How long an account's open items have waited."""

    id = serializers.IntegerField(help_text="the account's id")
    name = serializers.CharField()
    counts = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="open items that waited under each of up_to_seconds, then longer",
    )
    total = serializers.IntegerField()


class FiguresSerializer(serializers.Serializer[Any]):
    """The first answer's wait per account and per member, from when an item reached
    the inbox to when the agency's first reply to it was sent, over the period; and the
    open items now."""

    since = serializers.DateTimeField()
    days = serializers.IntegerField()
    unanswered = serializers.IntegerField(help_text="items of the period with no answer yet")
    by_account = FiguresRowSerializer(many=True)
    by_member = FiguresRowSerializer(many=True)
    up_to_seconds = serializers.ListField(child=serializers.IntegerField())
    open_by_age = WaitingSerializer(many=True)


class CoverageSerializer(serializers.Serializer[Any]):
    """The inbox's business hours (in the agency's time zone), who is on duty after them
    (members who work the inbox, by email) and the words that make an item urgent."""

    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        max_length=7,
        help_text="0 is Monday, 6 is Sunday",
    )
    opens_at = serializers.RegexField(HOUR_MINUTE, help_text="HH:MM, in the agency's time zone")
    closes_at = serializers.RegexField(HOUR_MINUTE, help_text="HH:MM, in the agency's time zone")
    after_hours = serializers.ListField(child=serializers.EmailField(), max_length=200)
    urgent_words = serializers.ListField(child=serializers.CharField(max_length=100), max_length=50)
    replies_need_approval = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: a reply goes through its account's approval chain before it is sent",
    )
