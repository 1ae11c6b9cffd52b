"""Forms of the approvals pages: an approval chain, its name, accounts and steps (a
formset: one row per step, in order; a blank row is left out), and the agency's
content rules."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import formataddr, parseaddr
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, Membership, Role
from approvals.models import ApprovalChain, RuleSeverity, StepRule
from approvals.services import NAME_LONGEST, StepSpec
from publishing.models import SocialAccount

# Where the text typed in a refused form of the post's page (a decision's comment, an
# emergency's reason, a review's note) waits for the page to show it again.
TYPED = "approvals_typed"
# Blank rows offered after a chain's steps, for new steps.
NEW_STEP_ROWS = 2
# The service's names of a step's fields, as the step form names them.
STEP_FIELDS = {
    "rule": "rule",
    "roles": "roles",
    "users": "members",
    "external_approvers": "outside",
}


class ApprovalChainForm(forms.Form):
    """A chain's name, whether it is the agency's default, and the accounts it names."""

    # The service says what a name must be (one message, in pages and API alike).
    name = forms.CharField(label=_("Name"), required=False, strip=False)
    is_default = forms.BooleanField(
        label=ApprovalChain._meta.get_field("is_default").verbose_name,
        help_text=ApprovalChain._meta.get_field("is_default").help_text,
        required=False,
    )
    accounts = forms.TypedMultipleChoiceField(
        label=_("Accounts this chain applies to"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        accounts: Sequence[SocialAccount],
        followed: dict[int, ApprovalChain],
        chain: ApprovalChain | None = None,
        **kwargs: Any,
    ) -> None:
        """Offer ``accounts``, each saying which other chain names it (``followed``:
        the chain naming each account, by account id)."""
        super().__init__(*args, **kwargs)
        choices = []
        for account in accounts:
            label = str(account)
            other = followed.get(account.pk)
            if other is not None and (chain is None or other.pk != chain.pk):
                label = _("%(account)s (now named by the chain “%(chain)s”)") % {
                    "account": label,
                    "chain": other.name,
                }
            choices.append((account.pk, label))
        self.fields["accounts"].choices = choices  # type: ignore[attr-defined]


class LinesField(forms.CharField):
    """A list typed one entry per line."""

    widget = forms.Textarea(attrs={"rows": 6})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return [line for line in str(value or "").splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> str:
        return "\n".join(value) if isinstance(value, list | tuple) else str(value or "")

    def has_changed(self, initial: Any, data: Any) -> bool:
        # Line by line as shown: a blank row of a formset stays unchanged.
        def lines(value: Any) -> list[str]:
            return [line.strip() for line in self.prepare_value(value).splitlines() if line.strip()]

        return lines(initial) != lines(data)


class PeopleOutsideField(LinesField):
    """People outside govsocial, one per line: ``Name <email>`` or an email alone."""

    def to_python(self, value: Any) -> list[tuple[str, str]]:  # type: ignore[override]
        people = []
        for line in super().to_python(value):
            name, email = parseaddr(line)
            people.append((name, email or line.strip()))
        return people

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            return "\n".join(
                formataddr((p["name"], p["email"])) if isinstance(p, dict) else str(p)
                for p in value
            )
        return str(value or "")


class ApprovalStepForm(forms.Form):
    """One step: whether any one or all of its approvers decide, the roles whose
    members approve, the members named and the people outside govsocial named."""

    rule = forms.ChoiceField(
        label=_("Who must approve"),
        choices=StepRule.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether any one or all of them approve.")},
    )
    roles = forms.MultipleChoiceField(
        label=_("Members holding one of these roles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    members = forms.TypedMultipleChoiceField(
        label=_("Members named"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    outside = PeopleOutsideField(
        label=_("People outside govsocial"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line, such as Minister's Office <minister@example.gov>: each is "
            "emailed a link that works once to see the post and decide."
        ),
    )

    def __init__(self, *args: Any, members: Sequence[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [  # type: ignore[attr-defined]
            (m.pk, m.user.display_name) for m in members
        ]


class BaseApprovalStepFormSet(forms.BaseFormSet):
    """The steps of a chain, in the order of their rows."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if forms.formsets.DELETION_FIELD_NAME in form.fields:
            form.fields[forms.formsets.DELETION_FIELD_NAME].label = _("Remove this step")

    def kept(self) -> list[forms.Form]:
        """Return the rows that make a step, in order: neither blank (no rule, role or
        member chosen) nor marked to be removed."""
        return [
            form
            for form in self.forms
            if any(form.cleaned_data.get(name) for name in STEP_FIELDS.values())
            and not form.cleaned_data.get(forms.formsets.DELETION_FIELD_NAME, False)
        ]

    def specs(self, user_of_member: dict[int, int]) -> list[StepSpec]:
        """Return the steps as the service takes them (members by user id)."""
        return [
            StepSpec(
                rule=form.cleaned_data["rule"],
                roles=form.cleaned_data["roles"],
                user_ids=[user_of_member[pk] for pk in form.cleaned_data["members"]],
                externals=form.cleaned_data["outside"],
            )
            for form in self.kept()
        ]

    def add_step_error(self, position: int, field: str, message: str) -> bool:
        """Show a refusal about the ``position``-th step given (from 0) on its row, on
        the field it names (the service's name of it) or on the whole row; return
        whether the step is one of the rows."""
        kept = self.kept()
        if not 0 <= position < len(kept):
            return False
        kept[position].add_error(STEP_FIELDS.get(field), message)
        return True


_ApprovalStepFormSet = forms.formset_factory(
    ApprovalStepForm,
    formset=BaseApprovalStepFormSet,
    extra=NEW_STEP_ROWS,
    can_delete=True,
    can_delete_extra=False,
)


def step_formset(
    data: Any, *, initial: list[dict[str, object]], members: Sequence[Membership], prefix: str
) -> BaseApprovalStepFormSet:
    """Return the rows of a chain's steps (``initial``: its steps), then blank rows,
    with ``members`` to name."""
    formset = _ApprovalStepFormSet(
        data, initial=initial, prefix=prefix, form_kwargs={"members": members}
    )
    return cast(BaseApprovalStepFormSet, formset)


def step_initial(steps: Sequence[Any], member_of_user: dict[int, int]) -> list[dict[str, object]]:
    """Return the rows of a chain's steps (fetched with their approvers), members by
    member id."""
    return [
        {
            "rule": step.rule,
            "roles": list(step.roles),
            "members": [
                member_of_user[a.user_id]
                for a in step.approvers.all()
                if a.user_id in member_of_user
            ],
            "outside": step.external_approvers,
        }
        for step in steps
    ]


class ContentRulesForm(forms.Form):
    """The agency's content rules as admins type them (the service checks each list)."""

    blocked_terms = LinesField(
        label=_("Terms that block a post"),
        required=False,
        help_text=_(
            "One word or phrase per line, in English or French. Case and accents do not "
            "matter; hashtags are read as the words they run together."
        ),
    )
    warned_terms = LinesField(
        label=_("Terms that warn"),
        required=False,
        help_text=_("One per line: the author must acknowledge them to submit."),
    )
    sensitive = forms.ChoiceField(
        label=_("Personal and internal information"),
        choices=RuleSeverity.choices,
        help_text=_(
            "Email addresses and phone numbers other than the agency's own, payment card "
            "and social insurance numbers, internal host names."
        ),
    )
    published_contacts = LinesField(
        label=_("The agency's published emails and phone numbers"),
        required=False,
        help_text=_("One per line: these may be posted."),
    )
    internal_hosts = LinesField(
        label=_("Internal host names"),
        required=False,
        help_text=_("One per line, such as intranet.riverton.example: never to be posted."),
    )
    accessibility = forms.ChoiceField(
        label=_("Accessibility"),
        choices=RuleSeverity.choices,
        help_text=_(
            "Files without alt text, or alt text that is a file name or a word such as "
            "“image”; hashtags all in small letters; more than three emoji in a row; "
            "“click here”."
        ),
    )
    links = forms.ChoiceField(
        label=_("Links"),
        choices=RuleSeverity.choices,
        help_text=_("Link shorteners, and domains other than those below."),
    )
    allowed_domains = LinesField(
        label=_("Domains links may go to"),
        required=False,
        help_text=_("One per line, such as riverton.example (its subdomains too); none: any."),
    )
    bilingual = forms.ChoiceField(
        label=_("Both official languages"),
        choices=RuleSeverity.choices,
        help_text=_("A post submitted without its translation."),
    )
    guidelines = forms.CharField(
        label=_("Guidelines"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The agency's do's and don'ts, shown beside the composer."),
    )


class BlackoutForm(forms.Form):
    """A blackout period as admins give it: its name, its first and last days in the
    agency's time zone, what it does, and the accounts it covers (none: all)."""

    name = forms.CharField(label=_("Name"), required=False, max_length=NAME_LONGEST)
    first_day = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as year-month-day, such as 2030-03-31.")},
    )
    last_day = forms.DateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as year-month-day, such as 2030-03-31.")},
    )
    severity = forms.ChoiceField(
        label=_("What it does"),
        choices=[(RuleSeverity.BLOCK, _("Block")), (RuleSeverity.WARN, _("Warn"))],
        initial=RuleSeverity.BLOCK,
    )
    accounts = forms.TypedMultipleChoiceField(
        label=_("Accounts it covers (none: every account)"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, accounts: Sequence[SocialAccount], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accounts"].choices = [(a.pk, str(a)) for a in accounts]  # type: ignore[attr-defined]


class ReminderForm(forms.ModelForm):
    """How long a post or reply may wait at a step before its approvers are reminded."""

    class Meta:
        model = Agency
        fields = ["approval_reminder_hours"]
