"""What a post sends to each account, and the content hash that approvals and publishing
go by.

The delivery engine imports this module: it publishes a target only while
``post.approved_hash == post_content_hash(post)`` (the hash covers every target's
text, the link, and the media with their alt text), and it builds what it sends with
``target_outgoing``. A revision's ``content`` is ``post_content(post)`` as saved, and its
``content_hash`` is the hash of exactly that dictionary, so anyone can check one
against the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from publishing.models import (
    AccountHealth,
    MediaAsset,
    Post,
    PostMedia,
    PostRevision,
    PostTarget,
    SocialAccount,
)
from publishing.networks.base import MediaItem, OutgoingPost, Phrase, ValidationProblem
from publishing.networks.counts import CharacterCount, character_count
from publishing.networks.registry import adapter_for
from publishing.shared_media import share_token

# Where a network may fetch a file itself (Instagram takes images only by address).
MediaUrl = Callable[[MediaAsset], str]


def no_media_url(asset: MediaAsset) -> str:
    """Give no address: the file's bytes go with the post."""
    return ""


def member_media_url(agency_slug: str) -> MediaUrl:
    """Return the addresses at which the agency's members open its files. Validation
    passes them where a network fetches files itself; they are not public."""

    def address(asset: MediaAsset) -> str:
        return _site_address("media_file", agency_slug=agency_slug, asset_id=asset.pk)

    return address


def shared_media_url(agency_slug: str) -> MediaUrl:
    """Return the addresses from which anyone may fetch the agency's files for
    ``MEDIA_SHARE_SECONDS``: delivery gives them to the networks that fetch a post's
    files themselves."""

    def address(asset: MediaAsset) -> str:
        return _site_address(
            "media_shared", agency_slug=agency_slug, asset_id=asset.pk, token=share_token(asset)
        )

    return address


def _site_address(url_name: str, **kwargs: object) -> str:
    """Return the absolute address of a page of the site."""
    return settings.SITE_URL + reverse(url_name, kwargs=kwargs)


def content_hash(content: Mapping[str, Any]) -> str:
    """Return the SHA-256 of ``content`` in one canonical JSON form (sorted keys, no
    spaces, UTF-8), the same on every machine."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def target_text(target: PostTarget) -> str:
    """Return the text that goes to the target's account: its own once edited, else the
    post's."""
    return target.text if target.has_own_text else target.post.text


def _attachments(post: Post) -> list[PostMedia]:
    """Return the post's files in order (prefetched ones are used as they are)."""
    return sorted(post.media.all(), key=lambda attached: attached.position)


def _media_content(post: Post) -> list[dict[str, str]]:
    return [
        {
            "sha256": attached.asset.sha256,
            "mime_type": attached.asset.mime_type,
            "alt_text": attached.alt_text,
        }
        for attached in _attachments(post)
    ]


def _target_part(target: PostTarget) -> dict[str, Any]:
    return {
        "account": target.account_id,
        "text": target_text(target),
        "first_comment": target.first_comment,
    }


def target_content(target: PostTarget) -> dict[str, Any]:
    """Return what goes to one account: its text, the link, the files with alt text."""
    post = target.post
    return _target_part(target) | {"link": post.link, "media": _media_content(post)}


def target_content_hash(target: PostTarget) -> str:
    """Return the hash of what goes to one account (kept on the target and in its
    archive events)."""
    return content_hash(target_content(target))


def post_content(post: Post) -> dict[str, Any]:
    """Return everything the post would send: the base text, the link, the files with
    their alt text, and each target's account and text (by account id); and, for a
    post with a translation, the same of the translation, which goes out with it: an
    approval of one version is an approval of the pair as it stands."""
    content = _sent(post)
    translation = post.translation if post.translation_id is not None else None
    if translation is not None:
        content["translation"] = {"post": translation.pk} | _sent(translation)
    return content


def own_content_changed(post: Post) -> bool:
    """Whether the post's own content (its translation's aside) differs from the
    revision its approved hash names (True when no revision does)."""
    approved = (
        PostRevision.objects.filter(post=post, content_hash=post.approved_hash)
        .values_list("content", flat=True)
        .first()
    )
    if approved is None:
        return True
    return {part: value for part, value in approved.items() if part != "translation"} != _sent(post)


def _sent(post: Post) -> dict[str, Any]:
    targets = sorted(post.targets.all(), key=lambda target: target.account_id)
    for target in targets:
        # The prefetched targets point at this very post: no query per target.
        target.post = post
    return {
        "text": post.text,
        "link": post.link,
        "media": _media_content(post),
        "targets": [_target_part(target) for target in targets],
    }


def post_content_hash(post: Post) -> str:
    """Return the hash that approving a post approves, and that publishing re-checks."""
    return content_hash(post_content(post))


def media_item(asset: MediaAsset, alt_text: str, *, media_url: MediaUrl) -> MediaItem:
    """Return one library file as adapters take it, its bytes read from storage."""
    with asset.file.open("rb") as handle:
        data = handle.read()
    return MediaItem(
        content=data,
        mime_type=asset.mime_type,
        alt_text=alt_text,
        filename=asset.original_name,
        url=media_url(asset),
    )


def media_items(
    media: Sequence[tuple[MediaAsset, str]], *, media_url: MediaUrl = no_media_url
) -> tuple[MediaItem, ...]:
    """Return (file, alt text) pairs as adapters take them, each file read once."""
    return tuple(media_item(asset, alt, media_url=media_url) for asset, alt in media)


def outgoing_post(
    *,
    text: str,
    link: str,
    media: Sequence[tuple[MediaAsset, str]],
    media_url: MediaUrl = no_media_url,
) -> OutgoingPost:
    """Return a post as adapters take it, from its text, link and (file, alt text)
    pairs."""
    return OutgoingPost(text=text, media=media_items(media, media_url=media_url), link=link)


def target_outgoing(target: PostTarget, *, media_url: MediaUrl = no_media_url) -> OutgoingPost:
    """Return what goes to the target's account, as its adapter takes it."""
    post = target.post
    media = [(attached.asset, attached.alt_text) for attached in _attachments(post)]
    return outgoing_post(text=target_text(target), link=post.link, media=media, media_url=media_url)


@dataclass(frozen=True)
class PostProblem:
    """One reason a post cannot go to one of its accounts as it is."""

    account_id: int
    account: str
    network: str
    code: str
    message: str
    field: str


def _account_problem(account: SocialAccount) -> tuple[str, str] | None:
    """Return why ``account`` cannot publish now (code, message), or None."""
    if account.disconnected_at is not None or account.health == AccountHealth.DISABLED:
        message = _("%(account)s is disconnected: remove it, or ask an admin to reconnect it.")
        return "account_disconnected", message % {"account": account}
    if account.health == AccountHealth.NEEDS_REAUTHORISATION:
        message = _("%(account)s must be reconnected by an agency admin before it can publish.")
        return "account_needs_reauthorisation", message % {"account": account}
    return None


def problem_said(problem: ValidationProblem) -> str:
    """Return what a network's ``problem`` says, in the active language: its sentence
    and its ``Phrase`` params translated, its numbers written as that language writes
    them."""

    def said(value: str | int | Decimal) -> str | int | Decimal:
        if isinstance(value, Phrase):
            return _(value)
        if isinstance(value, int | Decimal):
            return formats.number_format(value, force_grouping=True)
        return value

    return _(problem.template) % {name: said(value) for name, value in problem.params.items()}


def account_problems(account: SocialAccount, outgoing: OutgoingPost) -> list[PostProblem]:
    """Return why ``outgoing`` would not go out on ``account``: the account cannot
    publish now, or its network's adapter refuses the post."""
    found = []
    if (unusable := _account_problem(account)) is not None:
        found.append((*unusable, "accounts"))
    found += [
        (p.code, problem_said(p), p.field) for p in adapter_for(account.network).validate(outgoing)
    ]
    return [
        PostProblem(account.pk, str(account), account.network, code, message, field)
        for code, message, field in found
    ]


def comment_problems(account: SocialAccount, comment: str) -> list[PostProblem]:
    """Return why the first comment would not go out on ``account``'s network: the
    network's rules for text apply to it too (nothing for no comment). A comment carries
    no files, so the rules about a post's files (Instagram's image) are not its."""
    if not comment.strip():
        return []
    return [
        PostProblem(
            account.pk,
            str(account),
            account.network,
            f"first_comment_{problem.code}",
            _("First comment: %(problem)s") % {"problem": problem_said(problem)},
            "first_comment",
        )
        for problem in adapter_for(account.network).validate(OutgoingPost(text=comment))
        if problem.field != "media"
    ]


@dataclass(frozen=True)
class AccountCheck:
    """What the composer shows for one account: the post as that account gets it, its
    character count by the network's rules, its first comment's count (None without
    one), and what stops either going out."""

    account: SocialAccount
    post: OutgoingPost
    count: CharacterCount
    problems: list[PostProblem]
    comment: str = ""
    comment_count: CharacterCount | None = None


def composer_checks(
    *,
    accounts: Sequence[SocialAccount],
    text_of: Mapping[int, str],
    link: str,
    media: Sequence[tuple[MediaAsset, str]],
    media_url: MediaUrl = no_media_url,
    comment_of: Mapping[int, str] | None = None,
) -> list[AccountCheck]:
    """Return, account by account, the count and problems of a post being written, and
    of its first comment where ``comment_of`` gives the account one."""
    items = media_items(media, media_url=media_url)
    checks = []
    for account in accounts:
        outgoing = OutgoingPost(text=text_of[account.pk], media=items, link=link)
        comment = (comment_of or {}).get(account.pk, "").strip()
        checks.append(
            AccountCheck(
                account=account,
                post=outgoing,
                count=character_count(account.network, outgoing),
                problems=account_problems(account, outgoing) + comment_problems(account, comment),
                comment=comment,
                comment_count=(
                    character_count(account.network, OutgoingPost(text=comment))
                    if comment
                    else None
                ),
            )
        )
    return checks
