"""Approval chains: the ordered steps a post goes through before it may go out, who
decides at each step, and which network accounts a chain applies to.

A chain applies to the accounts it names, or, as the agency's default, to every
account no chain names. A chain without steps names accounts that need no approval.
A post for several accounts follows the strictest chain of its accounts
(``approvals.selectors.chain_for_accounts``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from govsocial.tenancy import AgencyOwned
from publishing.models import SocialAccount


class StepRule(models.TextChoices):
    """How many of a step's approvers must approve for the post to go on."""

    ANY = "any", _("Any one of them")
    ALL = "all", _("All of them")


class ApprovalChain(AgencyOwned):
    """An agency's ordered approval steps, for the accounts it names or, as the
    default, for every account no chain names."""

    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(
        _("the agency's default"),
        default=False,
        help_text=_("Applies to every account that no other chain names."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("approval chain")
        verbose_name_plural = _("approval chains")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="approval_chain_name_once"),
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(is_default=True),
                name="approval_chain_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChainAccount(AgencyOwned):
    """A network account an approval chain applies to: one chain at most names an
    account, so which chain an account follows is never in doubt."""

    chain = models.ForeignKey(ApprovalChain, on_delete=models.CASCADE, related_name="accounts")
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("account of an approval chain")
        verbose_name_plural = _("accounts of approval chains")
        constraints = [
            models.UniqueConstraint(fields=["account"], name="chain_account_once"),
        ]

    def __str__(self) -> str:
        return f"chain {self.chain_id} → account {self.account_id}"


class ApprovalStep(AgencyOwned):
    """One step of a chain: its approvers (members named, and members holding one of
    ``roles``) and whether any one or all of them must approve."""

    chain = models.ForeignKey(ApprovalChain, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    rule = models.CharField(_("rule"), max_length=3, choices=StepRule.choices)
    roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices),
        default=list,
        blank=True,
        verbose_name=_("roles"),
    )

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["chain", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "position"], name="approval_step_position_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain} #{self.position}"


class StepApprover(AgencyOwned):
    """A member named as an approver of one step."""

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="approvers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("approver of a step")
        verbose_name_plural = _("approvers of steps")
        constraints = [
            models.UniqueConstraint(fields=["step", "user"], name="step_approver_once"),
        ]

    def __str__(self) -> str:
        return f"step {self.step_id} → user {self.user_id}"
