"""A post and its translation: the same message in the agency's other official language,
written as a post of its own and linked to the first both ways.

Official-languages rules want both versions out together, or neither: scheduling,
moving, queueing, editing and taking off the schedule treat the pair as one
(``scheduling``, ``queue``, ``posts``), and delivery checks the other version again
when it claims a target (``delivery.translations``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

import archive
from accounts.services.principals import Principal
from govsocial.errors import Conflict
from publishing.models import MediaAsset, Post, PostMedia
from publishing.services.posts import (
    ON_SCHEDULE,
    approval_void,
    lock_pair,
    post_create,
    require_changeable,
    require_composer,
    require_partner_changeable,
)


def _library_alt_text(asset: MediaAsset, language: str) -> str:
    """Return the library's alt text of ``asset`` in ``language`` only: words in the
    other language would be no start for a translation."""
    return asset.alt_text_fr if language == "fr" else asset.alt_text


def _record(verb: str, pair: tuple[Post, Post], actor: Principal) -> None:
    """Record ``verb`` on each post of the pair, naming the other."""
    for post, other in (pair, pair[::-1]):
        archive.record(
            agency=post.agency,
            actor=actor,
            verb=verb,
            obj=post,
            data={"translation": other.pk, "language": post.language},
        )


def post_translation_add(*, post: Post, actor: Principal) -> Post:
    """Write the post's translation and return it: a draft in the other official
    language, for the same accounts, with the same link, campaign and files (each with
    the library's alt text in that language to start from) and no text yet; the two are
    linked both ways.

    Refused when the post has a translation already, has started going out, or is on
    the schedule (the two are scheduled together, so the first waits for the second).
    """
    require_composer(agency=post.agency, actor=actor)
    with transaction.atomic():
        (post, targets), partner = lock_pair(post)
        if partner is not None:
            raise Conflict(
                _("This post has its translation already: %(version)s.")
                % {"version": partner[0].version_name}
            )
        require_changeable(post, targets)
        if any(target.state in ON_SCHEDULE for target in targets):
            raise Conflict(
                _(
                    "Take this post off the schedule first: a post and its translation "
                    "are scheduled together, once both are written."
                )
            )
        language = post.other_language
        files = PostMedia.objects.filter(post=post).select_related("asset").order_by("position")
        translation = post_create(
            agency=post.agency,
            actor=actor,
            text="",
            link=post.link,
            language=language,
            campaign=post.campaign,
            account_ids=[target.account_id for target in targets],
            media=[(m.asset_id, _library_alt_text(m.asset, language)) for m in files],
        )
        post.translation, translation.translation = translation, post
        post.save(update_fields=["translation", "updated_at"])
        translation.save(update_fields=["translation", "updated_at"])
        _record("post.translation_linked", (post, translation), actor)
        # Approved alone, it would now go out with a version nobody approved.
        approval_void(
            (post, targets), actor, because="translation_linked", translation=translation.pk
        )
    return translation


def post_translation_unlink(*, post: Post, actor: Principal) -> Post:
    """Undo the link between the post and its translation: each goes its own way from
    then on. Refused once either has started going out."""
    require_composer(agency=post.agency, actor=actor)
    with transaction.atomic():
        (post, targets), partner = lock_pair(post)
        if partner is None:
            raise Conflict(_("This post has no translation to unlink."))
        require_changeable(post, targets)
        require_partner_changeable(partner)
        translation = partner[0]
        post.translation = translation.translation = None
        post.save(update_fields=["translation", "updated_at"])
        translation.save(update_fields=["translation", "updated_at"])
        _record("post.translation_unlinked", (post, translation), actor)
        # Each was approved as one of the pair, not to go out alone.
        approval_void(
            (post, targets), actor, because="translation_unlinked", translation=translation.pk
        )
        approval_void(partner, actor, because="translation_unlinked", translation=post.pk)
    return post
