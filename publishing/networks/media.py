"""Word what every network refuses in a post's files: too many, a type it does not take, a
file too large, alt text missing or too long.

Each adapter calls ``media_problems`` with its own rule and names, then adds what only its
network checks (X's mixing of images with a video, Instagram's image address…).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal

from publishing.networks.base import (
    MediaItem,
    Phrase,
    ProblemParams,
    ValidationProblem,
    gettext_noop,
)
from publishing.networks.limits import MB, MediaRule, media_kind, sniff_mime

KIND_NAMES = {
    "image": Phrase(gettext_noop("images")),
    "gif": Phrase(gettext_noop("GIFs")),
    "video": Phrase(gettext_noop("videos")),
}


def declared_type(item: MediaItem) -> str:
    """Return the type the file was uploaded as, which most networks go by."""
    return item.mime_type


def sniffed_type(item: MediaItem) -> str:
    """Return the type the file's first bytes show, for networks that check the bytes."""
    return sniff_mime(item.content)


def media_problems(
    media: Sequence[MediaItem],
    *,
    network: str,
    rule: MediaRule,
    accepted: Phrase,
    alt_text_max: int | None,
    file_type: Callable[[MediaItem], str] = declared_type,
) -> list[ValidationProblem]:
    """Return what ``network`` (its name as authors know it) refuses in ``media`` under
    ``rule``: how many files, each file's type (judged by ``file_type``; ``accepted`` says
    in words which types it takes) and size, and its alt text (required; at most
    ``alt_text_max`` characters, or any length when ``None``)."""
    problems = []
    if len(media) > rule.max_count:
        extra: ProblemParams = {
            "network": network,
            "count": len(media),
            "extra": len(media) - rule.max_count,
        }
        problems.append(
            ValidationProblem(
                "too_many_media",
                gettext_noop(
                    "%(network)s takes at most one file in a post and this one has "
                    "%(count)s: remove %(extra)s."
                )
                if rule.max_count == 1
                else gettext_noop(
                    "%(network)s takes at most %(most)s files in a post and this one has "
                    "%(count)s: remove %(extra)s."
                ),
                "media",
                extra | {"most": rule.max_count},
            )
        )
    for number, item in enumerate(media, start=1):
        named: ProblemParams = {"network": network, "file": item.filename, "number": number}
        mime = file_type(item)
        if mime not in rule.mime_types:
            problems.append(
                ValidationProblem(
                    "media_type",
                    gettext_noop(
                        "%(network)s does not take %(file)s (file %(number)s), a file of type "
                        "%(type)s. Use %(accepted)s."
                    ),
                    "media",
                    named | {"type": mime, "accepted": accepted},
                )
            )
        elif len(item.content) > (limit := rule.size_limit(mime)):
            problems.append(
                ValidationProblem(
                    "media_too_large",
                    gettext_noop(
                        "%(file)s (file %(number)s) is %(size)s bytes and %(network)s takes "
                        "%(kind)s of up to %(most)s bytes. Use a smaller file."
                    )
                    if limit % MB
                    else gettext_noop(
                        "%(file)s (file %(number)s) is %(size)s MB and %(network)s takes "
                        "%(kind)s of up to %(most)s MB. Use a smaller file."
                    ),
                    "media",
                    named
                    | _sizes(len(item.content), limit)
                    | {"kind": KIND_NAMES[media_kind(mime)]},
                )
            )
        if not item.alt_text.strip():
            problems.append(
                ValidationProblem(
                    "alt_text_missing",
                    gettext_noop(
                        "Add alt text to %(file)s (file %(number)s), so people using screen "
                        "readers on %(network)s know what it shows."
                    ),
                    "media",
                    named,
                )
            )
        elif alt_text_max is not None and len(item.alt_text) > alt_text_max:
            problems.append(
                ValidationProblem(
                    "alt_text_too_long",
                    gettext_noop(
                        "The alt text of %(file)s (file %(number)s) has %(length)s characters "
                        "and %(network)s allows %(most)s: shorten it by %(extra)s."
                    ),
                    "media",
                    named
                    | {
                        "length": len(item.alt_text),
                        "most": alt_text_max,
                        "extra": len(item.alt_text) - alt_text_max,
                    },
                )
            )
    return problems


def _sizes(size: int, limit: int) -> ProblemParams:
    """Return a file's size and the limit in the same unit: MB when the limit is a whole
    number of them (the size rounded up to two decimals, so a file just over never reads
    as at it), bytes otherwise."""
    if limit % MB:
        return {"size": size, "most": limit}
    hundredths = Decimal(math.ceil(size * 100 / MB))
    return {"size": (hundredths / 100).quantize(Decimal("0.01")), "most": limit // MB}
