"""Forms of the members pages and the invitation page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, Role


class RolesField(forms.MultipleChoiceField):
    """One or more roles, as checkboxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            choices=Role.choices,
            label=_("Roles"),
            error_messages={"required": _("Choose at least one role.")},
            **kwargs,  # type: ignore[arg-type]
        )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        error_messages={
            "required": _("Enter the email address of the person to invite."),
            "invalid": _("Enter an email address like name@agency.gov."),
        },
    )
    roles = RolesField()


class RolesForm(forms.Form):
    roles = RolesField()


class JoinForm(forms.Form):
    """Create an account to accept an invitation."""

    name = forms.CharField(
        label=_("Your name"), max_length=200, error_messages={"required": _("Enter your name.")}
    )
    password = forms.CharField(
        label=_("Choose a password (12 characters or more)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Choose a password.")},
    )
    password_again = forms.CharField(
        label=_("Type the password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the password again.")},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class AgencySwitchForm(forms.Form):
    agency = forms.SlugField()


class SecurityPolicyForm(forms.ModelForm):
    """The agency's sign-in policy."""

    class Meta:
        model = Agency
        fields = [
            "require_two_factor",
            "require_security_key",
            "idle_timeout_minutes",
            "session_lifetime_hours",
        ]


class ApiKeyForm(forms.Form):
    """A new API key: who uses it, with which role, until when."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who or what uses the key, e.g. “Website news feed”."),
        error_messages={"required": _("Give the key a name that says who uses it.")},
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)
    expires_on = forms.DateField(
        label=_("Works until the end of (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date like 2027-03-31.")},
    )
