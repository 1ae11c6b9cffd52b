"""What approvals adds to publishing without publishing importing it: an account
connected after the chains were made follows the chain that applies to it (the
agency's default) from its first post; and a post goes on the schedule only if the
agency's content rules block nothing in it, whatever its accounts' chains."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from approvals.rules import post_findings
from approvals.selectors import content_rules
from approvals.services import accounts_follow_chains
from publishing.content import PostProblem
from publishing.models import Post, PostTarget, SocialAccount
from publishing.services.scheduling import schedule_checks


@receiver(post_save, sender=SocialAccount, dispatch_uid="approvals-new-account")
def _new_account_follows_its_chain(
    sender: type[SocialAccount], instance: SocialAccount, created: bool, **kwargs: Any
) -> None:
    if created:
        accounts_follow_chains(account_ids=[instance.pk])


@receiver(schedule_checks, dispatch_uid="approvals-content-rules")
def _content_rules_block(
    sender: type[Post], post: Post, targets: list[PostTarget], at: datetime, **kwargs: Any
) -> list[PostProblem]:
    """Return what the content rules block in the post, for each of its accounts (the
    rules' warnings were acknowledged at submission, or are for its author to weigh)."""
    blocking = [f for f in post_findings(post, content_rules(), at=at) if f.blocks]
    return [
        PostProblem(
            account_id=target.account_id,
            account=str(target.account),
            network=target.account.network,
            code=f"content_{finding.rule}",
            message=f"{finding.where[:1].upper()}{finding.where[1:]}: {finding.message}",
            field="text",
        )
        for target in targets
        for finding in blocking
    ]
