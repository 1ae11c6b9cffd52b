"""Forms of the network accounts pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership


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
