"""Forms of publishing's pages: network accounts, crisis pauses."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from publishing.models import SocialAccount


class BlueskyConnectForm(forms.Form):
    """A Bluesky account connects with its handle and an app password."""

    identifier = forms.CharField(
        label=_("Bluesky handle"),
        max_length=253,
        help_text=_("For example agency.bsky.social."),
        error_messages={"required": _("Enter the account's Bluesky handle.")},
    )
    app_password = forms.CharField(
        label=_("App password"),
        max_length=100,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Create one in Bluesky under Settings, Privacy and security, App passwords. "
            "It is used once to connect and is not stored."
        ),
        error_messages={"required": _("Enter an app password of the account.")},
    )

    def clean_identifier(self) -> str:
        identifier: str = self.cleaned_data["identifier"].strip().lstrip("@").lower()
        return identifier


class PublishersForm(forms.Form):
    """Which members (besides admins) may publish to one account."""

    members = forms.TypedMultipleChoiceField(
        label=_("Members who may publish to this account"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: object, members: list[Membership], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.by_pk = {m.pk: m for m in members}
        self.fields["members"].choices = [  # type: ignore[attr-defined]
            (m.pk, m.user.display_name) for m in members
        ]

    def chosen(self) -> list[Membership]:
        """Return the members ticked."""
        return [self.by_pk[pk] for pk in self.cleaned_data["members"]]


class PauseForm(forms.Form):
    """Why publishing stops, for which accounts, and until when."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why publishing is paused.")},
    )
    accounts = forms.TypedMultipleChoiceField(
        label=_("Accounts to pause (none ticked: every account)"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    until = forms.DateTimeField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a date and time like 2026-03-08 14:30.")},
    )

    def __init__(self, *args: object, accounts: list[SocialAccount], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.by_pk = {a.pk: a for a in accounts}
        self.fields["accounts"].choices = [(a.pk, str(a)) for a in accounts]  # type: ignore[attr-defined]

    def chosen(self) -> list[SocialAccount]:
        """Return the accounts ticked."""
        return [self.by_pk[pk] for pk in self.cleaned_data["accounts"]]


class ResumeForm(forms.Form):
    """What happens to posts whose time passed during the pause."""

    overdue = forms.ChoiceField(
        label=_("Posts whose time passed during the pause"),
        choices=[
            ("held", _("Keep them held: their authors give them new times")),
            ("now", _("Publish them now")),
        ],
        widget=forms.RadioSelect,
        initial="held",
    )
