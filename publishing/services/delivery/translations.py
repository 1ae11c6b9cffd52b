"""Both official languages on an account, or neither: what delivery checks of a post's
translation when it claims a target, and what the author must hear at once when one
version fails on an account where the other is already out.

The rule holds account by account: a version goes to an account only while the other
is approved as it is now, on its way, and not refused on that same account. Accounts
only one version goes to follow the other's approval and schedule.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from publishing.content import post_content_hash
from publishing.models import Post, PostStatus, PostTarget, SocialAccount, TargetState

# A translation in one of these is not on its way: the other version waits for it.
NOT_ON_ITS_WAY = frozenset({PostStatus.DRAFT, PostStatus.IN_REVIEW, PostStatus.APPROVED})


def translation_refusal(post: Post, account: SocialAccount) -> str:
    """Return why the post's target for ``account`` may not go out because of the
    post's translation, or "" (without a query for a post that has none)."""
    if post.translation_id is None:
        return ""
    # The claim reads every translation of its batch at once, with files and targets.
    translation: Post | None = post.translation
    if translation is None:
        return ""
    version = translation.version_name
    if not translation.approved_hash:
        return _(
            "%(version)s has not been approved, so neither version was published. Schedule "
            "the two again once it is."
        ) % {"version": version}
    if translation.approved_hash != post_content_hash(translation):
        return _(
            "%(version)s was changed after it was approved, so neither version was "
            "published. Schedule the two again once it is approved."
        ) % {"version": version}
    there = next((t for t in translation.targets.all() if t.account_id == account.pk), None)
    if translation.status in NOT_ON_ITS_WAY or (there and there.state == TargetState.DRAFT):
        return _(
            "%(version)s is not on the schedule, so this version was not published either. "
            "Schedule the two together."
        ) % {"version": version}
    if there is not None and there.state == TargetState.FAILED:
        return _(
            "%(version)s was not published to %(account)s (%(reason)s), so this version was "
            "not published there either."
        ) % {"version": version, "account": account, "reason": there.failure_reason}
    return ""


def translation_out_note(target: PostTarget) -> str:
    """Return, for a target that failed, where its post's translation is already out on
    the same account, so that the author can act at once; or ""."""
    out = (
        PostTarget.objects.filter(
            post__translation_id=target.post_id,
            account_id=target.account_id,
            state=TargetState.PUBLISHED,
        )
        .select_related("post", "account")
        .first()
    )
    if out is None:
        return ""
    return " " + _(
        "%(version)s is already published on %(account)s: %(permalink)s. Only one language "
        "is out there: publish this version by hand, or delete the other from the network."
    ) % {"version": out.post.version_name, "account": out.account, "permalink": out.permalink}
