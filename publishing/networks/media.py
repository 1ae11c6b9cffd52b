"""Word what every network refuses in a post's files: too many, a type it does not take, a
file too large, alt text missing or too long.

Each adapter calls ``media_problems`` with its own rule and names, then adds what only its
network checks (X's mixing of images with a video, Instagram's image address…).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from publishing.networks.base import MediaItem, ValidationProblem
from publishing.networks.limits import MB, MediaRule, media_kind, sniff_mime

KIND_NAMES = {"image": "images", "gif": "GIFs", "video": "videos"}


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
    accepted: str,
    alt_text_max: int | None,
    file_type: Callable[[MediaItem], str] = declared_type,
) -> list[ValidationProblem]:
    """Return what ``network`` (its name as authors know it) refuses in ``media`` under
    ``rule``: how many files, each file's type (judged by ``file_type``; ``accepted`` says
    in words which types it takes) and size, and its alt text (required; at most
    ``alt_text_max`` characters, or any length when ``None``)."""
    problems = []
    if len(media) > rule.max_count:
        allowed = "one file" if rule.max_count == 1 else f"{rule.max_count} files"
        problems.append(
            ValidationProblem(
                "too_many_media",
                f"{network} takes at most {allowed} in a post and this one has {len(media)}: "
                f"remove {len(media) - rule.max_count}.",
                "media",
            )
        )
    for number, item in enumerate(media, start=1):
        name = f"{item.filename} (file {number})"
        mime = file_type(item)
        if mime not in rule.mime_types:
            problems.append(
                ValidationProblem(
                    "media_type",
                    f"{network} does not take {name}, a file of type {mime}. Use {accepted}.",
                    "media",
                )
            )
        elif len(item.content) > (limit := rule.size_limit(mime)):
            size, most = _sizes(len(item.content), limit)
            problems.append(
                ValidationProblem(
                    "media_too_large",
                    f"{name} is {size} and {network} takes {KIND_NAMES[media_kind(mime)]} of "
                    f"up to {most}. Use a smaller file.",
                    "media",
                )
            )
        if not item.alt_text.strip():
            problems.append(
                ValidationProblem(
                    "alt_text_missing",
                    f"Add alt text to {name}, so people using screen readers on {network} "
                    "know what it shows.",
                    "media",
                )
            )
        elif alt_text_max is not None and len(item.alt_text) > alt_text_max:
            problems.append(
                ValidationProblem(
                    "alt_text_too_long",
                    f"The alt text of {name} has {len(item.alt_text)} characters and {network} "
                    f"allows {alt_text_max}: shorten it by {len(item.alt_text) - alt_text_max}.",
                    "media",
                )
            )
    return problems


def _sizes(size: int, limit: int) -> tuple[str, str]:
    """Return a file's size and the limit in the same unit: MB when the limit is a whole
    number of them (the size rounded up, so a file just over never reads as at it), bytes
    otherwise."""
    if limit % MB:
        return f"{size:,} bytes", f"{limit:,} bytes"
    return f"{math.ceil(size * 100 / MB) / 100:.2f} MB", f"{limit // MB} MB"
