"""Reads of approvals: the agency's chains, and which chain a post's accounts follow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from approvals.models import ApprovalChain, ApprovalStep, ChainAccount, StepRule


def chain_list() -> QuerySet[ApprovalChain]:
    """Return the bound agency's chains by name, each with its steps in order (their
    named approvers with them) and the accounts it names."""
    return ApprovalChain.objects.prefetch_related(
        Prefetch(
            "steps",
            queryset=ApprovalStep.objects.order_by("position").prefetch_related("approvers__user"),
        ),
        Prefetch("accounts", queryset=ChainAccount.objects.select_related("account")),
    )


def chain_get(*, chain_id: int) -> ApprovalChain | None:
    """Return one chain of the bound agency with its steps and accounts, or None."""
    return chain_list().filter(pk=chain_id).first()


def strictness(chain: ApprovalChain) -> tuple[int, int]:
    """Return how strict ``chain`` is, to compare chains: its steps, then those of
    them that need every approver (its steps must have been fetched)."""
    steps = list(chain.steps.all())
    return len(steps), sum(1 for step in steps if step.rule == StepRule.ALL)


@dataclass(frozen=True)
class ChainChoice:
    """The chain a post for some accounts follows, and why: the chain each account
    follows (by account id: the chain naming it, else the agency's default, else
    None) and the strictest of them (None: no approval is needed)."""

    by_account: dict[int, ApprovalChain | None]
    chain: ApprovalChain | None

    @property
    def needs_approval(self) -> bool:
        """Say whether the post must be approved before it may go out."""
        return self.chain is not None and strictness(self.chain)[0] > 0


def chain_for_accounts(*, account_ids: Iterable[int]) -> ChainChoice:
    """Return the chain that a post for ``account_ids`` (the bound agency's) follows:
    the strictest of its accounts' chains; between two as strict, the first made."""
    chains = list(chain_list())
    named = {link.account_id: chain for chain in chains for link in chain.accounts.all()}
    default = next((chain for chain in chains if chain.is_default), None)
    by_account = {account_id: named.get(account_id, default) for account_id in account_ids}
    followed = [chain for chain in by_account.values() if chain is not None]
    strictest = max(followed, key=lambda c: (strictness(c), -c.pk), default=None)
    return ChainChoice(by_account=by_account, chain=strictest)
