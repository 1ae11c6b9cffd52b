"""Saved replies: answers the agency keeps ready in English and French, which admins
add and remove (on the record) and whoever works the inbox uses, filled in for the item
at hand (its author's handle, the agency's name) in the item's language."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency
from accounts.services.principals import Principal, require_admin
from govsocial.errors import GovsocialError
from inbox.models import InboxItem, SavedReply
from inbox.services import require_within

TITLE_LONGEST = 200
TEXT_LONGEST = 5000


def saved_reply_add(
    *, agency: Agency, title: str, text_en: str, text_fr: str, actor: Principal
) -> SavedReply:
    """Keep a reply ready for the agency (admins)."""
    require_admin(
        agency=agency, actor=actor, refusal=_("Only an agency admin keeps the saved replies.")
    )
    title, text_en, text_fr = title.strip(), text_en.strip(), text_fr.strip()
    if not title:
        raise GovsocialError(_("Give the saved reply a title."), field="title")
    if not (text_en or text_fr):
        raise GovsocialError(_("Write the reply in English, French or both."), field="text_en")
    require_within("title", title, TITLE_LONGEST)
    require_within("text_en", text_en, TEXT_LONGEST)
    require_within("text_fr", text_fr, TEXT_LONGEST)
    with transaction.atomic():
        saved: SavedReply = SavedReply.objects.create(
            agency=agency, title=title, text_en=text_en, text_fr=text_fr
        )
        archive.record(
            agency=agency,
            actor=actor,
            verb="inbox.saved_reply_added",
            obj=saved,
            data={"title": title, "text_en": text_en, "text_fr": text_fr},
        )
    return saved


def saved_reply_remove(*, saved: SavedReply, actor: Principal) -> None:
    """Stop keeping a reply ready (admins); the archive keeps it as it was."""
    require_admin(
        agency=saved.agency,
        actor=actor,
        refusal=_("Only an agency admin keeps the saved replies."),
    )
    with transaction.atomic():
        archive.record(
            agency=saved.agency,
            actor=actor,
            verb="inbox.saved_reply_removed",
            obj=saved,
            data={"title": saved.title},
        )
        saved.delete()


def saved_reply_filled(*, saved: SavedReply, item: InboxItem) -> str:
    """Return the saved reply for ``item``: in French when the item is (and the reply
    has a French version), else in English; its placeholders filled in."""
    text = saved.text_fr if item.language == "fr" and saved.text_fr else saved.text_en
    text = text or saved.text_fr
    handle = item.author_handle if item.author_handle.startswith("@") else f"@{item.author_handle}"
    return text.replace("{handle}", handle).replace("{agency}", item.agency.name)
