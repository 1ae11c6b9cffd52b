"""The inbox's forms: narrowing the list, an item's status and its assignee."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from approvals.decisions import COMMENT_LONGEST
from approvals.models import Verdict
from inbox.figures import PERIODS
from inbox.models import ItemKind, ItemStatus, PolicyClause, Priority, SavedReply
from inbox.moderation import Action
from publishing.models import SocialAccount
from publishing.models.accounts import NETWORK_CHOICES

ANY = [("", _("Any"))]


class ItemFilterForm(forms.Form):
    """Narrow the inbox by account, network, kind, status, assignee and language, and
    search its text."""

    q = forms.CharField(label=_("Text contains"), required=False, max_length=200)
    account = forms.TypedChoiceField(
        label=_("Account"), coerce=int, required=False, empty_value=None
    )
    network = forms.ChoiceField(label=_("Network"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + ItemKind.choices)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=ANY + ItemStatus.choices)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=ANY + Priority.choices
    )
    assignee = forms.TypedChoiceField(
        label=_("Assigned to"), coerce=int, required=False, empty_value=None
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)

    def __init__(
        self,
        *args: Any,
        accounts: Sequence[SocialAccount],
        workers: Sequence[Membership],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = ANY + [(a.pk, str(a)) for a in accounts]  # type: ignore[attr-defined]
        self.fields["network"].choices = ANY + list(NETWORK_CHOICES)  # type: ignore[attr-defined]
        self.fields["assignee"].choices = ANY + [(m.user_id, m.user.display_name) for m in workers]  # type: ignore[attr-defined]
        self.fields["language"].choices = ANY + language_choices()  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any] | None:
        """Return the chosen filters as ``item_list`` takes them; None when one names
        nothing that exists (no item matches it)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return {
            "account_id": data["account"],
            "network": data["network"],
            "kind": data["kind"],
            "status": data["status"],
            "assignee_id": data["assignee"],
            "language": data["language"],
            "text": data["q"].strip(),
            "tag": data["tag"].strip(),
            "priority": data["priority"],
        }


def language_choices() -> list[tuple[str, str]]:
    """Return the languages the inbox tells apart, named in the reader's language."""
    return [(code, get_language_info(code)["name_translated"]) for code in settings.INBOX_LANGUAGES]


class StatusForm(forms.Form):
    """Move an item to another status."""

    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)


class AssignForm(forms.Form):
    """Give an item to a member who works the inbox, or to nobody."""

    assignee = forms.TypedChoiceField(
        label=_("Assigned to"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, workers: Sequence[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody"))] + [  # type: ignore[attr-defined]
            (m.user_id, m.user.display_name) for m in workers
        ]


class ReplyForm(forms.Form):
    """The agency's answer to an item, and, once the content rules warned about it,
    its writer's acknowledgement."""

    text = forms.CharField(
        label=_("Your reply"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the reply.")},
    )
    acknowledge_warnings = forms.BooleanField(
        label=_("I have read the content rules' warnings: send it as it is"), required=False
    )


class ReplyDecisionForm(forms.Form):
    """An approver's decision on a reply waiting for approval."""

    reply = forms.IntegerField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(
        label=_("Your decision"),
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Approve, request changes or reject.")},
    )
    comment = forms.CharField(
        label=_("Comment (required to request changes or to reject)"),
        max_length=COMMENT_LONGEST,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ModerationForm(forms.Form):
    """Do something to an item on its network (what its network allows) under a clause
    of the policy."""

    action = forms.ChoiceField(
        label=_("What to do"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what to do on the network.")},
    )
    clause = forms.TypedChoiceField(
        label=_("Clause of the comment policy"),
        coerce=int,
        error_messages={"required": _("Choose the clause of the comment policy that applies.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        actions: Sequence[Action],
        clauses: Sequence[PolicyClause],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(action.value, action.label) for action in actions]  # type: ignore[attr-defined]
        self.fields["clause"].choices = [("", _("Choose a clause"))] + [  # type: ignore[attr-defined]
            (clause.pk, str(clause)) for clause in clauses
        ]


class ClauseForm(forms.Form):
    """A new clause of the agency's comment policy."""

    code = forms.CharField(label=_("Number"), max_length=20)
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("What it says"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SavedReplyForm(forms.Form):
    """A reply the agency keeps ready."""

    title = forms.CharField(label=_("Title"), max_length=200)
    text_en = forms.CharField(
        label=_("In English"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("{handle} becomes the citizen's handle, {agency} the agency's name."),
    )
    text_fr = forms.CharField(
        label=_("In French"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Used for items in French."),
    )


class UseSavedForm(forms.Form):
    """Start the reply from a saved one."""

    saved = forms.TypedChoiceField(label=_("Saved reply"), coerce=int)

    def __init__(self, *args: Any, saved: Sequence[SavedReply], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["saved"].choices = [(reply.pk, reply.title) for reply in saved]  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    """A note for the agency's members, never sent."""

    note = forms.CharField(
        label=_("Internal note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write the note.")},
    )


class TagsForm(forms.Form):
    """The item's tags, separated by commas."""

    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=600,
        help_text=_("Separated by commas, such as: roads, complaint."),
    )

    def chosen(self) -> list[str]:
        return self.cleaned_data["tags"].split(",")


def _listed(value: str) -> list[str]:
    """Return the comma-separated entries of ``value``, trimmed, empty ones left out."""
    return [entry.strip() for entry in value.split(",") if entry.strip()]


class RuleForm(forms.Form):
    """A new routing rule."""

    name = forms.CharField(label=_("Name"), max_length=200)
    words = forms.CharField(
        label=_("When it says one of these words"),
        required=False,
        max_length=5000,
        help_text=_("Separated by commas, such as: pothole, nid-de-poule. Case and accents aside."),
    )
    account: forms.ModelChoiceField[SocialAccount] = forms.ModelChoiceField(
        label=_("When it reached this account"),
        queryset=None,  # the bound agency's, given when the form is made
        required=False,
        empty_label=_("Any account"),
    )
    assignee = forms.ModelChoiceField(
        label=_("Assign it to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )
    tag = forms.CharField(label=_("Tag it"), required=False, max_length=50)
    priority = forms.ChoiceField(label=_("Priority at least"), choices=Priority.choices)

    def __init__(
        self,
        *args: Any,
        accounts: QuerySet[SocialAccount],
        workers: Sequence[Membership],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=[m.user_id for m in workers]
        )
        self.fields["assignee"].label_from_instance = lambda user: user.display_name  # type: ignore[attr-defined]

    def clean_words(self) -> list[str]:
        return _listed(self.cleaned_data["words"])


WEEKDAYS = (
    _("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"),
    _("Sunday"),
)  # fmt: skip


class TimeOfDayInput(forms.TimeInput):
    """A time of day, picked with the browser's own control."""

    input_type = "time"


class PeriodForm(forms.Form):
    """The period the response-time figures cover."""

    days = forms.TypedChoiceField(
        label=_("Over the last"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose 7, 30 or 90 days.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Named in the reader's language, so when the form is made.
        self.fields["days"].choices = [  # type: ignore[attr-defined]
            (days, gettext("%(days)s days") % {"days": days}) for days in PERIODS
        ]


class CoverageForm(forms.Form):
    """The inbox's business hours, who is on duty after them, its urgent words, and
    whether its replies pass approval."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Open on"),
        coerce=int,
        required=False,
        choices=list(enumerate(WEEKDAYS)),
        widget=forms.CheckboxSelectMultiple,
    )
    opens_at = forms.TimeField(label=_("Opens at"), widget=TimeOfDayInput(format="%H:%M"))
    closes_at = forms.TimeField(label=_("Closes at"), widget=TimeOfDayInput(format="%H:%M"))
    after_hours = forms.ModelMultipleChoiceField(
        label=_("On duty after hours"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgent_words = forms.CharField(
        label=_("Urgent words"),
        required=False,
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Separated by commas. An item that says one is urgent, and whoever is on duty "
            "is emailed."
        ),
    )

    replies_need_approval = forms.BooleanField(
        label=_("Replies pass approval"),
        required=False,
        help_text=_(
            "A reply goes through its account's approval chain, decided by the chain's"
            " members, before it is sent."
        ),
    )

    def __init__(self, *args: Any, workers: Sequence[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["after_hours"]
        field.queryset = User.objects.filter(pk__in=[m.user_id for m in workers])  # type: ignore[attr-defined]
        field.label_from_instance = lambda user: user.display_name  # type: ignore[attr-defined]

    def clean_urgent_words(self) -> list[str]:
        return _listed(self.cleaned_data["urgent_words"])
