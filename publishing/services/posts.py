"""Every write about what posts say: writing one for several accounts, and editing it
(each change of content a new revision), with the checks the scheduling services share.

What a post sends, and the hash that approval and publishing go by, is
``publishing.content``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, ApiKey, Role
from accounts.selectors import roles_of
from accounts.services.principals import Principal, person_behind
from govsocial.errors import Conflict, GovsocialError, NotFound, PermissionDenied
from publishing.content import (
    content_hash,
    post_content,
    post_content_hash,
)
from publishing.models import (
    MediaAsset,
    Post,
    PostMedia,
    PostRevision,
    PostStatus,
    PostTarget,
    SocialAccount,
    TargetState,
)
from publishing.networks.limits import ALT_TEXT_LONGEST, TEXT_LONGEST
from publishing.selectors import account_publishable_by, post_latest_revision
from publishing.services.accounts import account_require_publisher
from publishing.services.transitions import post_status_set, targets_state_set

# Who writes posts; approvers and viewers read them.
COMPOSER_ROLES = frozenset({Role.ADMIN, Role.AUTHOR})
# A target in one of these has not started out yet: its post may still change.
WAITING = frozenset({TargetState.DRAFT, TargetState.SCHEDULED, TargetState.HELD})
# Targets waiting for their time, which unscheduling takes back to draft.
ON_SCHEDULE = frozenset({TargetState.SCHEDULED, TargetState.HELD})
# Editing a post in one of these sends it back to draft (DESIGN: back through review).
# A held post (crisis pause) counts too: its author may rewrite it for the new situation.
REVIEWED = frozenset(
    {PostStatus.IN_REVIEW, PostStatus.APPROVED, PostStatus.SCHEDULED, PostStatus.HELD}
)
CAMPAIGN_MAX = 100


def require_composer(*, agency: Agency, actor: Principal) -> None:
    """Refuse unless ``actor`` writes posts in ``agency`` (an author or an admin)."""
    if not roles_of(agency=agency, actor=actor) & COMPOSER_ROLES:
        raise PermissionDenied(_("Only authors and agency admins can write posts."))


def clean_link(link: str) -> str:
    """Return the link trimmed; refuse one that is not a full web address."""
    link = (link or "").strip()
    if not link:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError as error:
        raise GovsocialError(
            _("The link must be a full web address, such as https://example.gov/news."),
            field="link",
        ) from error
    return link


def clean_language(language: str) -> str:
    """Return the language; refuse one the agency does not publish in."""
    if language not in dict(settings.LANGUAGES):
        raise GovsocialError(_("Choose English or French."), field="language")
    return language


def clean_campaign(campaign: str) -> str:
    """Return the campaign tag trimmed; refuse one too long."""
    campaign = (campaign or "").strip()
    if len(campaign) > CAMPAIGN_MAX:
        raise GovsocialError(
            _("A campaign tag has at most %(max)d characters.") % {"max": CAMPAIGN_MAX},
            field="campaign",
        )
    return campaign


def _check_lengths(
    text: str,
    variants: Mapping[int, str | None],
    first_comments: Mapping[int, str],
    media: Sequence[tuple[int, str | None]],
) -> None:
    """Refuse texts longer than any network takes (``TEXT_LONGEST``) and alt text
    longer than any network reads (``ALT_TEXT_LONGEST``)."""
    texts = [("text", text)]
    texts += [("variants", own or "") for own in variants.values()]
    texts += [("first_comments", comment) for comment in first_comments.values()]
    for field, written in texts:
        if len(written) > TEXT_LONGEST:
            raise GovsocialError(
                _("A text has at most %(max)d characters, the most any network takes.")
                % {"max": TEXT_LONGEST},
                field=field,
            )
    if any(len(alt or "") > ALT_TEXT_LONGEST for _asset, alt in media):
        raise GovsocialError(
            _("Alt text has at most %(max)d characters, the most any network reads.")
            % {"max": ALT_TEXT_LONGEST},
            field="media",
        )


def _accounts(agency: Agency, account_ids: Iterable[int]) -> list[SocialAccount]:
    """Return the agency's accounts with these ids, in the order given (no repeats)."""
    ids = list(dict.fromkeys(account_ids))
    found = {a.pk: a for a in SocialAccount.objects.filter(agency=agency, pk__in=ids)}
    if len(found) != len(ids):
        raise NotFound(_("One of the chosen accounts does not exist."), field="accounts")
    return [found[pk] for pk in ids]


def _assets(agency: Agency, asset_ids: Iterable[int]) -> dict[int, MediaAsset]:
    ids = set(asset_ids)
    found = {a.pk: a for a in MediaAsset.objects.filter(agency=agency, pk__in=ids)}
    if len(found) != len(ids):
        raise NotFound(_("One of the chosen files is not in the media library."), field="media")
    return found


def _default_alt_text(asset: MediaAsset, language: str) -> str:
    """Return the library's alt text for ``asset`` in the post's language."""
    return (asset.alt_text_fr if language == "fr" else "") or asset.alt_text


def require_may_publish(account: SocialAccount, actor: Principal) -> None:
    """Refuse unless ``actor`` may publish to ``account``, connected or not (taking a
    disconnected account off a post must stay possible)."""
    if not account_publishable_by(account=account, actor=actor):
        raise PermissionDenied(
            _("You may not publish to %(account)s; ask an agency admin.") % {"account": account}
        )


def revision_current(post: Post, actor: Principal) -> PostRevision:
    """Return the revision of what the post holds now: its newest, or a new one when
    that differs (its translation changed since, which the content includes)."""
    latest = post_latest_revision(post=post)
    if latest is not None and latest.content_hash == post_content_hash(post):
        return latest
    return revision_add(post, actor)


def revision_add(post: Post, actor: Principal) -> PostRevision:
    """Save the post's content as its next revision."""
    content = post_content(post)
    latest = post_latest_revision(post=post)
    revision: PostRevision = PostRevision.objects.create(
        agency_id=post.agency_id,
        post=post,
        number=latest.number + 1 if latest else 1,
        content=content,
        content_hash=content_hash(content),
        created_by=person_behind(actor),
    )
    return revision


def _media_wanted(
    post: Post, media: Sequence[tuple[int, str | None]]
) -> list[tuple[MediaAsset, str]]:
    """Return the files to attach, in order, each with its alt text (the library's in
    the post's language when none is given)."""
    assets = _assets(post.agency, [asset_id for asset_id, _alt in media])
    return [
        (
            assets[asset_id],
            _default_alt_text(assets[asset_id], post.language) if alt is None else alt,
        )
        for asset_id, alt in media
    ]


def _media_set(post: Post, wanted: list[tuple[MediaAsset, str]]) -> bool:
    """Attach exactly ``wanted`` to the post, in order; return whether anything changed."""
    current = [(m.asset_id, m.alt_text) for m in PostMedia.objects.filter(post=post)]
    if current == [(asset.pk, alt.strip()) for asset, alt in wanted]:
        return False
    PostMedia.objects.filter(post=post).delete()
    PostMedia.objects.bulk_create(
        PostMedia(
            agency_id=post.agency_id, post=post, asset=asset, position=n, alt_text=alt.strip()
        )
        for n, (asset, alt) in enumerate(wanted)
    )
    return True


def _variant_apply(target: PostTarget, variant: str | None) -> bool:
    """Give the target its own text, or (None) let it say the post's again; return
    whether it changed."""
    own, text = (False, "") if variant is None else (True, variant)
    if (target.has_own_text, target.text) == (own, text):
        return False
    target.has_own_text, target.text = own, text
    return True


def _first_comment_apply(target: PostTarget, comment: str | None) -> bool:
    """Give the target its first comment (None: leave it as it is); return whether it
    changed."""
    if comment is None or target.first_comment == comment.strip():
        return False
    target.first_comment = comment.strip()
    return True


def _check_variants(
    variants: Mapping[int, str | None], account_ids: Iterable[int], *, field: str = "variants"
) -> None:
    stray = set(variants) - set(account_ids)
    if stray:
        raise GovsocialError(
            _("Text was given for an account the post does not go to."), field=field
        )


def post_create(
    *,
    agency: Agency,
    actor: Principal,
    text: str,
    link: str = "",
    language: str = "en",
    campaign: str = "",
    account_ids: Sequence[int],
    media_ids: Sequence[int] = (),
    variants: Mapping[int, str | None] | None = None,
    media: Sequence[tuple[int, str | None]] | None = None,
    first_comments: Mapping[int, str] | None = None,
    composer_key: UUID | None = None,
) -> Post:
    """Write a draft post for the chosen accounts (one target each), with its first
    revision. A post written with an API key names the key; its author is the key's
    owner. ``composer_key`` names the composer page that writes it: a second post of
    the same page is refused (``IntegrityError``), for the page to save over the first.

    ``variants`` gives accounts their own text (by account id); ``media`` lists files
    with their alt text (None: the library's) and replaces ``media_ids`` when given;
    ``first_comments`` gives accounts the comment posted under the post once it is out.
    """
    require_composer(agency=agency, actor=actor)
    link, language = clean_link(link), clean_language(language)
    campaign = clean_campaign(campaign)
    accounts = _accounts(agency, account_ids)
    for account in accounts:
        account_require_publisher(account=account, actor=actor)
    variants, first_comments = variants or {}, first_comments or {}
    _check_variants(variants, [a.pk for a in accounts])
    _check_variants(first_comments, [a.pk for a in accounts], field="first_comments")
    attachments = list(media) if media is not None else [(pk, None) for pk in media_ids]
    _check_lengths(text, variants, first_comments, attachments)
    with transaction.atomic():
        post: Post = Post.objects.create(
            agency=agency,
            author=person_behind(actor),
            api_key=actor if isinstance(actor, ApiKey) else None,
            text=text,
            link=link,
            language=language,
            campaign=campaign,
            composer_key=composer_key,
        )
        targets = [PostTarget(agency=agency, post=post, account=account) for account in accounts]
        for target in targets:
            _variant_apply(target, variants.get(target.account_id))
            _first_comment_apply(target, first_comments.get(target.account_id))
        PostTarget.objects.bulk_create(targets)
        _media_set(post, _media_wanted(post, attachments))
        revision = revision_add(post, actor)
        archive.record(
            agency=agency,
            actor=actor,
            verb="post.created",
            obj=post,
            data={
                "revision": revision.number,
                "content_hash": revision.content_hash,
                "accounts": [a.pk for a in accounts],
                "campaign": campaign,
            },
        )
    return post


def lock_with_targets(post: Post) -> tuple[Post, list[PostTarget]]:
    """Lock the post and its targets (the dispatcher claims targets with SKIP LOCKED, so
    a target it holds is waited for, then seen in its new state)."""
    locked = (
        Post.objects.select_for_update(no_key=True, of=("self",))
        .select_related("agency")
        .get(pk=post.pk)
    )
    targets = list(
        PostTarget.objects.select_for_update(no_key=True, of=("self",))
        .select_related("account")
        .filter(post=locked)
        .order_by("account_id")
    )
    return locked, targets


# A post and its targets, locked.
Locked = tuple[Post, list[PostTarget]]


def lock_pair(post: Post) -> tuple[Locked, Locked | None]:
    """Lock the post and its translation, each with its targets; return both (the
    translation None when it has none).

    The two posts are locked in the order of their ids, so that services working on one
    pair from either side wait for each other instead of deadlocking. A link made or
    undone in between is refused, to be tried again.
    """
    partner_id = Post.objects.filter(pk=post.pk).values_list("translation_id", flat=True).first()
    ids = sorted(pk for pk in (post.pk, partner_id) if pk is not None)
    list(Post.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"))
    own = lock_with_targets(post)
    if own[0].translation_id != partner_id:
        raise Conflict(
            _("This post was just linked to or unlinked from its translation. Try again.")
        )
    partner = lock_with_targets(Post(pk=partner_id)) if partner_id is not None else None
    return own, partner


def require_changeable(post: Post, targets: Sequence[PostTarget]) -> None:
    """Refuse once any of the post's targets has started going out."""
    if not _unstarted(post, targets):
        raise Conflict(_("This post has started going out and can no longer be changed."))


def require_partner_changeable(partner: Locked | None) -> None:
    """Refuse once the post's translation has started going out: changing this version
    then would leave the other out alone."""
    if partner is not None and not _unstarted(*partner):
        raise Conflict(
            _("%(version)s has started going out, so this version can no longer be changed.")
            % {"version": partner[0].version_name}
        )


def _unstarted(post: Post, targets: Sequence[PostTarget]) -> bool:
    return all(target.state in WAITING for target in targets) and post.status in (
        {PostStatus.DRAFT} | REVIEWED
    )


def schedule_leave(post: Post, targets: Sequence[PostTarget], actor: Principal, **why: Any) -> None:
    """Take the post's targets that wait for their time back to draft (the post too once
    none has started out), recorded with ``why``; nothing when none waits."""
    waiting = [t for t in targets if t.state in ON_SCHEDULE]
    if not waiting:
        return
    previous = post.scheduled_at
    if len(waiting) == len(targets):
        back_to_draft(post)
    else:
        targets_state_set(
            PostTarget.objects.filter(pk__in=[t.pk for t in waiting]),
            TargetState.DRAFT,
            next_attempt_at=None,
            content_hash="",
        )
    archive.record(
        agency=post.agency,
        actor=actor,
        verb="post.unscheduled",
        obj=post,
        data={"was": previous, "accounts": [t.account_id for t in waiting]} | why,
    )


def post_update(
    *,
    post: Post,
    actor: Principal,
    text: str,
    link: str,
    campaign: str,
    account_ids: Sequence[int],
    variants: Mapping[int, str | None],
    media: Sequence[tuple[int, str | None]],
    language: str | None = None,
    first_comments: Mapping[int, str] | None = None,
) -> Post:
    """Save the author's changes to a post.

    ``variants`` sets accounts' own text by account id (None: say the base text again);
    accounts it leaves out keep theirs, and so do those ``first_comments`` leaves out.
    ``media`` is the files in order with their alt text. A change of content is a new
    revision and takes a post that was in review, approved or scheduled back to draft,
    its targets too, to be approved again. Saving what is already saved writes nothing.
    """
    agency = post.agency
    require_composer(agency=agency, actor=actor)
    link, campaign = clean_link(link), clean_campaign(campaign)
    language = clean_language(language) if language is not None else None
    wanted = _accounts(agency, account_ids)
    first_comments = first_comments or {}
    _check_variants(variants, [a.pk for a in wanted])
    _check_variants(first_comments, [a.pk for a in wanted], field="first_comments")
    _check_lengths(text, variants, first_comments, media)
    with transaction.atomic():
        (post, targets), partner = lock_pair(post)
        require_changeable(post, targets)
        require_partner_changeable(partner)
        if partner is not None and language not in (None, post.language):
            raise GovsocialError(
                _(
                    "This post and its translation are a pair, so it keeps its language. "
                    "Unlink the two versions first to change it."
                ),
                field="language",
            )
        current = {target.account_id: target for target in targets}
        for target in targets:
            require_may_publish(target.account, actor)
        for account in wanted:
            if account.pk not in current:
                account_require_publisher(account=account, actor=actor)
        before_hash = post_content_hash(post)
        before = (post.text, post.link, post.campaign, post.language)
        post.text, post.link, post.campaign = text, link, campaign
        post.language = language or post.language
        changed = before != (post.text, post.link, post.campaign, post.language)

        wanted_ids = {account.pk for account in wanted}
        removed = [pk for pk in current if pk not in wanted_ids]
        if removed:
            PostTarget.objects.filter(post=post, account_id__in=removed).delete()
        for account in wanted:
            kept = current.get(account.pk)
            if kept is None:
                added = PostTarget(agency=agency, post=post, account=account)
                _variant_apply(added, variants.get(account.pk))
                _first_comment_apply(added, first_comments.get(account.pk))
                added.save()
                changed = True
                continue
            fields = []
            if account.pk in variants and _variant_apply(kept, variants[account.pk]):
                fields += ["has_own_text", "text"]
            if _first_comment_apply(kept, first_comments.get(account.pk)):
                fields.append("first_comment")
            if fields:
                kept.save(update_fields=fields)
                changed = True
        changed = _media_set(post, _media_wanted(post, media)) or changed or bool(removed)
        if not changed:
            return post

        after_hash = post_content_hash(post)
        data: dict[str, Any] = {"content_hash": after_hash, "campaign": post.campaign}
        if after_hash != before_hash:
            data["revision"] = revision_add(post, actor).number
            if post.status in REVIEWED:
                data["back_to_draft_from"] = post.status
                back_to_draft(post)
            # Its translation was approved beside what this version said: it waits too.
            if partner is not None:
                approval_void(partner, actor, because="translation_changed", translation=post.pk)
        post.save(update_fields=["text", "link", "campaign", "language", "updated_at"])
        archive.record(agency=agency, actor=actor, verb="post.updated", obj=post, data=data)
    return post


def post_delete(*, post: Post, actor: Principal) -> None:
    """Delete a draft that never went out (written, or taken off the schedule before
    its time), with its revisions and its accounts' copies; its translation, if it has
    one, stays as a post of its own. The archive keeps the deletion with the last
    revision's content. Refused for a post on the schedule or that has gone out on
    any account."""
    require_composer(agency=post.agency, actor=actor)
    with transaction.atomic():
        (post, targets), partner = lock_pair(post)
        for target in targets:
            require_may_publish(target.account, actor)
        states = {t.state for t in targets}
        if states & ON_SCHEDULE:
            raise Conflict(_("Take the post off the schedule first, then delete it."))
        if post.status != PostStatus.DRAFT or states - {TargetState.DRAFT}:
            raise Conflict(_("Only a draft that never went out can be deleted; this one is kept."))
        latest = post.revisions.order_by("-number").first()
        if partner is not None:
            translation = partner[0]
            translation.translation = None
            translation.save(update_fields=["translation", "updated_at"])
        archive.record(
            agency=post.agency,
            actor=actor,
            verb="post.deleted",
            obj=post,
            data={
                "revision": latest.number if latest else None,
                "content_hash": latest.content_hash if latest else "",
                "content": latest.content if latest else {},
                "accounts": [t.account_id for t in targets],
                "translation": partner[0].pk if partner else None,
            },
        )
        post.delete()


def approval_void(locked: Locked, actor: Principal, **why: Any) -> None:
    """Send the locked post back to draft when it was in review, approved or on the
    schedule, recorded with ``why``: what was approved is no longer what would go out
    (its translation changed, came or went)."""
    post, targets = locked
    if any(target.state in ON_SCHEDULE for target in targets):
        schedule_leave(post, targets, actor, **why)
    elif post.status in REVIEWED:
        was = post.status
        back_to_draft(post)
        archive.record(
            agency=post.agency,
            actor=actor,
            verb="post.back_to_draft",
            obj=post,
            data={"from": was} | why,
        )


def back_to_draft(post: Post) -> None:
    """Take the locked post and its waiting targets off the schedule, unapproved."""
    targets_state_set(
        PostTarget.objects.filter(post=post, state__in=WAITING),
        TargetState.DRAFT,
        next_attempt_at=None,
        content_hash="",
    )
    post_status_set(post, PostStatus.DRAFT, scheduled_at=None, approved_hash="")
