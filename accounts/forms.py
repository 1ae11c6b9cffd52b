"""Forms of the members pages, the invitation page and a person's own settings."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from functools import cache

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, AgencySignOn, Role, SignOnProtocol
from accounts.services.sign_on import email_domain


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


class SignOnRouteForm(forms.Form):
    """The address that tells which agency's single sign-on to use.

    Its field shares the sign-in form's name, so errors point at the same input.
    """

    login = forms.EmailField(
        error_messages={
            "required": _("Enter your work email address to continue with single sign-on."),
            "invalid": _("Enter an email address like name@agency.gov."),
        },
    )

    def no_sign_on_message(self) -> str:
        domain = email_domain(str(self.cleaned_data.get("login", "")))
        return str(
            _("No agency signs in %(domain)s addresses with single sign-on. Use your password.")
            % {"domain": domain}
        )


class SignOnForm(forms.Form):
    """An agency's identity provider, as an admin enters it."""

    protocol = forms.ChoiceField(
        label=_("Protocol"),
        choices=SignOnProtocol.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose OpenID Connect or SAML 2.0.")},
    )
    display_name = forms.CharField(
        label=_("Button label"),
        max_length=100,
        help_text=_("What members see, e.g. “Riverton staff account”."),
        error_messages={"required": _("Give the button a label members recognise.")},
    )
    domains = forms.CharField(
        label=_("Email domains"),
        help_text=_("One per line, e.g. riverton.gov. People with these addresses sign in here."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Name at least one email domain.")},
    )
    is_enabled = forms.BooleanField(
        label=_("Members sign in through it"), required=False, initial=True
    )
    issuer_url = forms.CharField(label=_("Issuer URL"), required=False, max_length=200)
    client_id = forms.CharField(label=_("Client ID"), required=False, max_length=255)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the secret already saved."),
    )
    idp_entity_id = forms.CharField(
        label=_("Identity provider entity ID"), required=False, max_length=255
    )
    idp_sso_url = forms.CharField(
        label=_("Identity provider sign-in URL"), required=False, max_length=200
    )
    idp_certificate = forms.CharField(
        label=_("Identity provider signing certificate (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    @classmethod
    def initial_from(cls, sign_on: AgencySignOn | None, domains: list[str]) -> dict[str, object]:
        """Return the form's initial values from what is saved (never the secret)."""
        if sign_on is None:
            return {"is_enabled": True, "protocol": SignOnProtocol.OIDC}
        fields = ("protocol", "display_name", "is_enabled", "issuer_url", "client_id")
        saml = ("idp_entity_id", "idp_sso_url", "idp_certificate")
        initial: dict[str, object] = {name: getattr(sign_on, name) for name in fields + saml}
        initial["domains"] = "\n".join(domains)
        return initial


# The IANA areas people pick a city in; the rest of the database (``US/Eastern``,
# ``EST5EDT``, ``Etc/GMT+5``) are old aliases and offsets that would only crowd the list.
ZONE_AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@cache
def time_zone_choices() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Return the IANA zones by area, each named by its place ("Argentina / Buenos
    Aires"), the areas and places in alphabetical order."""
    by_area: dict[str, list[tuple[str, str]]] = {area: [] for area in ZONE_AREAS}
    for name in zoneinfo.available_timezones():
        area, _slash, place = name.partition("/")
        if area in by_area:
            by_area[area].append((name, place.replace("_", " ").replace("/", " / ")))
    return tuple(
        (area, tuple(sorted(places, key=lambda choice: choice[1])))
        for area, places in by_area.items()
    )


class PersonalSettingsForm(forms.Form):
    """The time zone a person reads and enters times in: their agency's, or one of
    their own choosing."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_(
            "Calendars, schedules and times on posts are shown in this zone, and the times "
            "you type are read in it."
        ),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )

    def __init__(self, *args: object, agency_zones: Sequence[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        agency_default = (
            _("Use my agency's time zone (%(zones)s)") % {"zones": ", ".join(agency_zones)}
            if agency_zones
            else _("Use my agency's time zone")
        )
        field = self.fields["time_zone"]
        field.choices = [("", agency_default), ("UTC", "UTC"), *time_zone_choices()]  # type: ignore[attr-defined]
        # The hint always, the error when there is one (an id that is absent is skipped).
        field.widget.attrs |= {
            "class": "usa-select",
            "aria-describedby": "id_time_zone-hint id_time_zone-error",
        }
