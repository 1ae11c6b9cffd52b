"""Writes of approvals: agency admins make, change and delete approval chains, and set
the agency's content rules. Each write records its archive event in the same
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, Membership, Role
from accounts.services.principals import Principal, require_admin
from approvals.models import (
    ApprovalChain,
    ApprovalStep,
    BlackoutPeriod,
    ChainAccount,
    ContentRules,
    RuleSeverity,
    StepApprover,
    StepRule,
)
from approvals.selectors import chain_for_accounts, strictness
from govsocial.errors import GovsocialError
from publishing.models import SocialAccount

NAME_LONGEST = 100
EMAIL_LONGEST = 254


@dataclass(frozen=True)
class StepSpec:
    """One step as an admin describes it: the rule, the roles whose members approve,
    the members named (by user id) and the people outside govsocial named."""

    rule: str
    roles: Sequence[str] = ()
    user_ids: Sequence[int] = ()
    # People outside govsocial, as (name, email): each gets a link when the step starts.
    externals: Sequence[tuple[str, str]] = ()


def chain_save(
    *,
    agency: Agency,
    actor: Principal,
    name: str,
    steps: Sequence[StepSpec],
    account_ids: Sequence[int] = (),
    is_default: bool = False,
    chain: ApprovalChain | None = None,
) -> ApprovalChain:
    """Make a chain, or replace ``chain``'s name, steps and accounts; return it.

    A default chain takes the place of the agency's previous default. An account
    follows one chain at most: naming one that another chain names is refused, as are
    a step without approvers, a member who is not an active member of the agency, and
    an account of another agency.
    """
    require_admin(
        agency=agency, actor=actor, refusal=_("Only an agency admin can change approval chains.")
    )
    name = (name or "").strip()
    if not name or len(name) > NAME_LONGEST:
        raise GovsocialError(
            _("Give the chain a name of at most %(count)s characters.") % {"count": NAME_LONGEST},
            field="name",
        )
    wanted_accounts = sorted(set(account_ids))
    with transaction.atomic():
        if chain is not None:
            chain = ApprovalChain.objects.select_for_update().get(pk=chain.pk)
        before = _describe(chain) if chain is not None else None
        _require_unique_name(name, chain)
        _require_accounts(wanted_accounts, chain)
        _require_steps(agency, steps)
        replaced = None
        if is_default:
            previous = ApprovalChain.objects.filter(is_default=True)
            if chain is not None:
                previous = previous.exclude(pk=chain.pk)
            replaced = previous.values_list("name", flat=True).first()
            previous.update(is_default=False)
        if chain is None:
            chain = ApprovalChain.objects.create(agency=agency, name=name, is_default=is_default)
        else:
            chain.name, chain.is_default = name, is_default
            chain.save(update_fields=["name", "is_default"])
            ApprovalStep.objects.filter(chain=chain).delete()
            ChainAccount.objects.filter(chain=chain).delete()
        ChainAccount.objects.bulk_create(
            ChainAccount(agency=agency, chain=chain, account_id=account_id)
            for account_id in wanted_accounts
        )
        for position, spec in enumerate(steps, start=1):
            step = ApprovalStep.objects.create(
                agency=agency,
                chain=chain,
                position=position,
                rule=spec.rule,
                roles=[role for role in Role.values if role in set(spec.roles)],
                external_approvers=[
                    {"name": name, "email": email} for name, email in _externals(spec)
                ],
            )
            StepApprover.objects.bulk_create(
                StepApprover(agency=agency, step=step, user_id=user_id)
                for user_id in sorted(set(spec.user_ids))
            )
        data: dict[str, Any] = {"after": _describe(chain)}
        if before is not None:
            data["before"] = before
        if replaced is not None:
            # The chain that was the default until now, and is no longer.
            data["replaces_default"] = replaced
        archive.record(
            agency=agency,
            actor=actor,
            verb="approval_chain.created" if before is None else "approval_chain.changed",
            obj=chain,
            data=data,
        )
        accounts_follow_chains()
    return chain


def chain_delete(*, chain: ApprovalChain, actor: Principal) -> None:
    """Delete ``chain``: its accounts follow the agency's default again (or need no
    approval)."""
    require_admin(
        agency=chain.agency,
        actor=actor,
        refusal=_("Only an agency admin can change approval chains."),
    )
    with transaction.atomic():
        chain = ApprovalChain.objects.select_for_update().get(pk=chain.pk)
        before = _describe(chain)
        archive.record(
            agency=chain.agency,
            actor=actor,
            verb="approval_chain.deleted",
            obj=chain,
            data={"before": before},
        )
        chain.delete()
        accounts_follow_chains()


def accounts_follow_chains(*, account_ids: Sequence[int] | None = None) -> None:
    """Mark which of the bound agency's accounts (of ``account_ids``, or all) need their
    posts approved, from the chain each follows: publishing reads the mark on its own
    rows when a post is scheduled (DESIGN.md, invariant 6)."""
    accounts = SocialAccount.objects.all()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    current = dict(accounts.values_list("pk", "approval_required"))
    choices = chain_for_accounts(account_ids=list(current)).by_account
    wanted = {
        account_id: chain is not None and strictness(chain)[0] > 0
        for account_id, chain in choices.items()
    }
    for required in (True, False):
        changed = [pk for pk, value in wanted.items() if value is required and current[pk] != value]
        SocialAccount.objects.filter(pk__in=changed).update(approval_required=required)


def _require_unique_name(name: str, chain: ApprovalChain | None) -> None:
    others = ApprovalChain.objects.filter(name=name)
    if chain is not None:
        others = others.exclude(pk=chain.pk)
    if others.exists():
        raise GovsocialError(
            _("The agency already has a chain named “%(name)s”.") % {"name": name}, field="name"
        )


def _require_accounts(account_ids: list[int], chain: ApprovalChain | None) -> None:
    """Refuse accounts that are not the bound agency's, or that another chain names."""
    found = set(SocialAccount.objects.filter(pk__in=account_ids).values_list("pk", flat=True))
    unknown = [account_id for account_id in account_ids if account_id not in found]
    if unknown:
        raise GovsocialError(
            _("These are not the agency's network accounts: %(ids)s.")
            % {"ids": ", ".join(map(str, unknown))},
            field="accounts",
        )
    taken = ChainAccount.objects.filter(account_id__in=account_ids).select_related(
        "account", "chain"
    )
    if chain is not None:
        taken = taken.exclude(chain=chain)
    clash = taken.first()
    if clash is not None:
        raise GovsocialError(
            _("%(account)s already follows the chain “%(chain)s”: an account follows one chain.")
            % {"account": clash.account, "chain": clash.chain.name},
            field="accounts",
        )


def _require_steps(agency: Agency, steps: Sequence[StepSpec]) -> None:
    """Refuse a step with an unknown rule or role, without approvers, or naming anyone
    who is not an active member of the agency."""
    named = {user_id for spec in steps for user_id in spec.user_ids}
    members = set(
        Membership.objects.filter(agency=agency, is_active=True, user_id__in=named).values_list(
            "user_id", flat=True
        )
    )
    for position, spec in enumerate(steps, start=1):
        field = f"steps.{position - 1}"
        if spec.rule not in StepRule.values:
            raise GovsocialError(
                _("Step %(position)s: choose whether any one or all of its approvers decide.")
                % {"position": position},
                field=f"{field}.rule",
            )
        unknown_roles = sorted(set(spec.roles) - set(Role.values))
        if unknown_roles:
            raise GovsocialError(
                _("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown_roles)},
                field=f"{field}.roles",
            )
        strangers = sorted(set(spec.user_ids) - members)
        if strangers:
            raise GovsocialError(
                _("Step %(position)s names people who are not active members: %(ids)s.")
                % {"position": position, "ids": ", ".join(map(str, strangers))},
                field=f"{field}.users",
            )
        if not spec.roles and not spec.user_ids and not spec.externals:
            raise GovsocialError(
                _("Step %(position)s has no approvers: name members or choose a role.")
                % {"position": position},
                field=field,
            )
        _require_externals(spec, f"{field}.external_approvers", position)


# The most people outside govsocial one step names.
EXTERNALS_MOST = 10


def _externals(spec: StepSpec) -> list[tuple[str, str]]:
    """Return the step's people outside govsocial as kept: trimmed, emails in lower
    case, each email once, a blank name given as the email."""
    kept: dict[str, str] = {}
    for name, email in spec.externals:
        email = email.strip().lower()
        kept.setdefault(email, " ".join(name.split()) or email)
    return [(name, email) for email, name in kept.items()]


def _require_externals(spec: StepSpec, field: str, position: int) -> None:
    """Refuse a step's people outside govsocial without a valid email, with a name too
    long, or too many of them."""
    externals = _externals(spec)
    if len(externals) > EXTERNALS_MOST:
        raise GovsocialError(
            _("Step %(position)s names more than %(count)s people outside govsocial.")
            % {"position": position, "count": EXTERNALS_MOST},
            field=field,
        )
    for name, email in externals:
        try:
            validate_email(email)
        except ValidationError as error:
            raise GovsocialError(
                _("Step %(position)s: “%(email)s” is not an email address.")
                % {"position": position, "email": email},
                field=field,
            ) from error
        if len(name) > NAME_LONGEST or len(email) > EMAIL_LONGEST:
            raise GovsocialError(
                _("Step %(position)s: a name has at most %(count)s characters.")
                % {"position": position, "count": NAME_LONGEST},
                field=field,
            )


def _describe(chain: ApprovalChain) -> dict[str, Any]:
    """Return what the archive keeps of a chain: its name, whether it is the default,
    its accounts and its steps in order."""
    steps = ApprovalStep.objects.filter(chain=chain).order_by("position")
    approvers = StepApprover.objects.filter(step__chain=chain).order_by("user_id")
    users: dict[int, list[int]] = {}
    for step_id, user_id in approvers.values_list("step_id", "user_id"):
        users.setdefault(step_id, []).append(user_id)
    return {
        "name": chain.name,
        "default": chain.is_default,
        "accounts": sorted(
            ChainAccount.objects.filter(chain=chain).values_list("account_id", flat=True)
        ),
        "steps": [
            {
                "rule": step.rule,
                "roles": list(step.roles),
                "users": users.get(step.pk, []),
                "external": step.external_approvers,
            }
            for step in steps
        ],
    }


# The most entries of one list of the content rules, and the longest guidelines.
RULE_LIST_LONGEST = 500
GUIDELINES_LONGEST = 5000
RULE_LISTS = {
    "blocked_terms": 100,
    "warned_terms": 100,
    "published_contacts": 254,
    "internal_hosts": 253,
    "allowed_domains": 253,
}


def content_rules_save(
    *,
    agency: Agency,
    actor: Principal,
    blocked_terms: Sequence[str],
    warned_terms: Sequence[str],
    sensitive: str,
    published_contacts: Sequence[str],
    internal_hosts: Sequence[str],
    guidelines: str,
    accessibility: str = RuleSeverity.WARN,
    links: str = RuleSeverity.WARN,
    allowed_domains: Sequence[str] = (),
    bilingual: str = RuleSeverity.OFF,
) -> ContentRules:
    """Replace the agency's content rules; return them. Each list is kept without
    blanks or repeats (case aside); a term both blocks and warns is refused. What each
    kind of finding does (``sensitive``, ``accessibility``, ``links``, ``bilingual``)
    is block, warn or off."""
    require_admin(
        agency=agency, actor=actor, refusal=_("Only an agency admin can change content rules.")
    )
    given = {
        "blocked_terms": blocked_terms,
        "warned_terms": warned_terms,
        "published_contacts": published_contacts,
        "internal_hosts": internal_hosts,
        "allowed_domains": allowed_domains,
    }
    lists = {name: _rule_list(name, values) for name, values in given.items()}
    both = {t.casefold() for t in lists["blocked_terms"]} & {
        t.casefold() for t in lists["warned_terms"]
    }
    if both:
        raise GovsocialError(
            _("A term either blocks or warns, not both: %(terms)s")
            % {"terms": ", ".join(sorted(both))},
            field="warned_terms",
        )
    severities = {
        "sensitive": sensitive,
        "accessibility": accessibility,
        "links": links,
        "bilingual": bilingual,
    }
    for name, severity in severities.items():
        if severity not in RuleSeverity.values:
            raise GovsocialError(_("Block, warn, or turn it off."), field=name)
    guidelines = (guidelines or "").strip()
    if len(guidelines) > GUIDELINES_LONGEST:
        raise GovsocialError(
            _("The guidelines have at most %(count)s characters.") % {"count": GUIDELINES_LONGEST},
            field="guidelines",
        )
    with transaction.atomic():
        rules: ContentRules
        saved = lists | severities | {"guidelines": guidelines}
        rules, _created = ContentRules.objects.update_or_create(agency=agency, defaults=saved)
        archive.record(
            agency=agency, actor=actor, verb="content_rules.saved", obj=agency, data=saved
        )
    return rules


def _rule_list(name: str, values: Sequence[str]) -> list[str]:
    """Return one list of the content rules as kept: trimmed, without blanks or repeats;
    refuse one too long, or with an entry too long."""
    kept: dict[str, str] = {}
    for value in values:
        value = " ".join(value.split())
        if value:
            kept.setdefault(value.casefold(), value)
    longest = RULE_LISTS[name]
    if len(kept) > RULE_LIST_LONGEST or any(len(v) > longest for v in kept.values()):
        raise GovsocialError(
            _("At most %(count)s entries of at most %(length)s characters each.")
            % {"count": RULE_LIST_LONGEST, "length": longest},
            field=name,
        )
    return list(kept.values())


def blackout_add(
    *,
    agency: Agency,
    actor: Principal,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    severity: str,
    account_ids: Sequence[int] = (),
) -> BlackoutPeriod:
    """Add a blackout period (admins): from ``starts_at`` up to ``ends_at``, on the
    accounts named (none: every account), blocking or warning about posts meant to go
    out in it."""
    require_admin(
        agency=agency, actor=actor, refusal=_("Only an agency admin can change content rules.")
    )
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_LONGEST:
        raise GovsocialError(
            _("Give the period a name of at most %(count)s characters.") % {"count": NAME_LONGEST},
            field="name",
        )
    if ends_at <= starts_at:
        raise GovsocialError(_("The period must end after it starts."), field="ends_at")
    if severity not in (RuleSeverity.BLOCK, RuleSeverity.WARN):
        raise GovsocialError(_("Block or warn."), field="severity")
    wanted = sorted(set(account_ids))
    known = set(SocialAccount.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if set(wanted) - known:
        raise GovsocialError(
            _("No such network account: %(ids)s.")
            % {"ids": ", ".join(map(str, sorted(set(wanted) - known)))},
            field="accounts",
        )
    with transaction.atomic():
        period: BlackoutPeriod = BlackoutPeriod.objects.create(
            agency=agency,
            name=name,
            starts_at=starts_at,
            ends_at=ends_at,
            severity=severity,
            account_ids=wanted,
        )
        archive.record(
            agency=agency,
            actor=actor,
            verb="blackout.added",
            obj=period,
            data={
                "name": name,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "severity": severity,
                "accounts": wanted,
            },
        )
    return period


def blackout_delete(*, period: BlackoutPeriod, actor: Principal) -> None:
    """Remove a blackout period (admins); the archive keeps what it was."""
    require_admin(
        agency=period.agency,
        actor=actor,
        refusal=_("Only an agency admin can change content rules."),
    )
    with transaction.atomic():
        archive.record(
            agency=period.agency,
            actor=actor,
            verb="blackout.deleted",
            obj=period,
            data={"name": period.name, "starts_at": period.starts_at, "ends_at": period.ends_at},
        )
        period.delete()
