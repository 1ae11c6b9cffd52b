"""The inbox's forms: narrowing the list, an item's status and its assignee."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from inbox.models import ItemKind, ItemStatus, PolicyClause, SavedReply
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
    """The agency's answer to an item."""

    text = forms.CharField(
        label=_("Your reply"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the reply.")},
    )


class ModerationForm(forms.Form):
    """Hide an item on the network, or show it again, under a clause of the policy."""

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

    def __init__(self, *args: Any, clauses: Sequence[PolicyClause], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
