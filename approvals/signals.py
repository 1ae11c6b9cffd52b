"""What approvals adds to publishing without publishing importing it: an account
connected after the chains were made follows the chain that applies to it (the
agency's default) from its first post; and a post goes on the schedule only if the
agency's content rules block nothing in it, whatever its accounts' chains, and with its
warnings acknowledged when its scheduling is its approval, which approvals records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

import archive
from accounts.services.principals import Principal
from approvals.rules import post_findings
from approvals.selectors import content_rules
from approvals.services import accounts_follow_chains
from publishing.content import PostProblem, post_content_hash
from publishing.models import Post, PostRevision, PostTarget, SocialAccount
from publishing.services.scheduling import schedule_approves, schedule_checks


@receiver(post_save, sender=SocialAccount, dispatch_uid="approvals-new-account")
def _new_account_follows_its_chain(
    sender: type[SocialAccount], instance: SocialAccount, created: bool, **kwargs: Any
) -> None:
    if created:
        accounts_follow_chains(account_ids=[instance.pk])


@receiver(schedule_checks, dispatch_uid="approvals-content-rules")
def _content_rules_check(
    sender: type[Post],
    post: Post,
    targets: list[PostTarget],
    at: datetime,
    acknowledge_warnings: bool,
    **kwargs: Any,
) -> list[PostProblem]:
    """Return what the content rules block in the post, for each of its accounts; and,
    for a post its scheduling approves (its accounts need no approval), their warnings
    until acknowledged (a post approved through a chain had its warnings acknowledged
    at submission)."""
    findings = post_findings(post, content_rules(), at=at)
    approves = post.approved_hash != post_content_hash(post)
    asked = [f for f in findings if f.blocks or (approves and not acknowledge_warnings)]
    return [
        PostProblem(
            account_id=target.account_id,
            account=str(target.account),
            network=target.account.network,
            code=f"content_{finding.rule}" if finding.blocks else "content_warning",
            message=f"{finding.where[:1].upper()}{finding.where[1:]}: {finding.message}",
            field="text" if finding.blocks else "acknowledge_warnings",
        )
        for target in targets
        for finding in asked
    ]


@receiver(schedule_approves, dispatch_uid="approvals-approved-by-scheduling")
def _approved_by_scheduling(
    sender: type[Post],
    post: Post,
    revision: PostRevision,
    actor: Principal,
    at: datetime,
    **kwargs: Any,
) -> None:
    """Record the approval of a post by its scheduling, with the warnings its scheduler
    acknowledged (the checks refused it otherwise)."""
    findings = post_findings(post, content_rules(), at=at)
    archive.record(
        agency=post.agency,
        actor=actor,
        verb="post.approved",
        obj=post,
        data={
            "revision": revision.number,
            "content_hash": revision.content_hash,
            "by": "schedule",
            "warnings_acknowledged": [finding.as_record() for finding in findings],
        },
    )
