"""What was published, kept whole in the archive: the text, link, first comment and
media (bytes and alt text) as they went out, and the network's answer."""

from __future__ import annotations

from collections.abc import Sequence

import archive
from publishing.models import PostTarget
from publishing.networks.base import OutgoingPost, PublishedPost

# One target published: the target, what went out to its account, the network's answer.
Published = tuple[PostTarget, OutgoingPost, PublishedPost]


def published_keep(published: Sequence[Published]) -> dict[int, str]:
    """Keep in the archive, for each target published (all of the bound agency), the
    document of what went out and of what the network answered, and each file's bytes;
    return each document's hash, by target, for the target's event to name."""
    if not published:
        return {}
    agency = published[0][0].post.agency
    files = [item for _, outgoing, _ in published for item in outgoing.media]
    hashes = iter(archive.keep(agency=agency, contents=[(f.content, f.mime_type) for f in files]))
    documents = []
    for target, outgoing, answer in published:
        media = [
            {"sha256": next(hashes), "media_type": item.mime_type, "alt_text": item.alt_text}
            for item in outgoing.media
        ]
        when = answer.published_at
        documents.append(
            {
                "network": target.account.network,
                "account": target.account.handle,
                "post": target.post_id,
                "text": outgoing.text,
                "link": outgoing.link,
                "media": media,
                "first_comment": target.first_comment,
                "remote_id": answer.remote_id,
                "permalink": answer.permalink,
                "published_at": when.isoformat() if when else "",
            }
        )
    kept = archive.keep_documents(agency=agency, documents=documents)
    return {target.pk: digest for (target, _, _), digest in zip(published, kept, strict=True)}
