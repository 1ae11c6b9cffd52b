"""An account connected after the chains were made follows the chain that applies to it
(the agency's default) from its first post."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from approvals.services import accounts_follow_chains
from publishing.models import SocialAccount


@receiver(post_save, sender=SocialAccount, dispatch_uid="approvals-new-account")
def _new_account_follows_its_chain(
    sender: type[SocialAccount], instance: SocialAccount, created: bool, **kwargs: Any
) -> None:
    if created:
        accounts_follow_chains(account_ids=[instance.pk])
