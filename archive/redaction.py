"""Redaction: what a records officer keeps out of a request's released copy, and the copy
that leaves it out.

A redaction marks words — kept out wherever the copy would show them: what citizens and
staff wrote, names, handles, kept documents — or an area of a kept image, burned in (its
pixels blacked out, the file written again without its metadata). Each carries its reason
(FOIA (b)(6), GDPR Art. 15(4)…). Suggestions point at what looks like personal data in
what the request's searches find (emails, phone numbers, handles, the names and handles
of those who wrote); for a person's access request, what is not the person's own is a
third party's, marked at once with Art. 15(4).

The released copy is a package (``archive.exports``) whose events still prove their place
in the signed log while their content, where a redaction touches it, is given redacted
(``redacted``) instead of with its salt: the original stays sealed in the archive. Kept
files the redactions change are written again under the hash of what they became. The
copy lists what was redacted where and why (never the words), and the log records its
manifest as it records every package's: its own proof covers the redacted rendition.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, UnidentifiedImageError

import archive
from archive import DOCUMENT_TYPE
from archive.entries import CONTENT_FIELDS
from archive.models import (
    ArchiveContent,
    ArchiveEvent,
    RecordsRequest,
    Redaction,
    RedactionReason,
    RequestKind,
)
from archive.records import kept_hashes
from archive.selectors import kept_file, kept_open
from archive.services import Actor
from govsocial.errors import Conflict, GovsocialError

REDACTION_MARKED = "records.redaction_marked"
REDACTION_REMOVED = "records.redaction_removed"
# How many of the records the searches find are read for suggestions, the oldest first.
SUGGESTIONS_READ = 20_000
# How the reasons read in a released copy, whatever its language.
REASON_CODES = {
    RedactionReason.FOIA_PRIVACY: "FOIA (b)(6)",
    RedactionReason.FOIA_INVESTIGATION: "FOIA (b)(7)(C)",
    RedactionReason.OTHERS_DATA: "GDPR Art. 15(4)",
    RedactionReason.ERASED: "GDPR Art. 17",
}
SHORTEST_WORDS = 2
# The images whose areas can be burned in (the format each is written again in).
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}

_EMAIL = re.compile(r"(?<![@\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d .()-]{6,}\d(?!\w)")
# @name, @name.bsky.social, and Mastodon's @name@server.
_HANDLE = re.compile(
    r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?(?:@[\w-]+(?:\.[\w-]+)+)?"
)
_AUTHOR_FIELDS = ("author_name", "author_handle")
# The keys of an event's data under which people's own words are.
_WRITTEN = frozenset({"text", "alt_text", "note", "comment", "reason"})


@dataclass(frozen=True)
class Area:
    """An area of an image: left, top, width and height as fractions of the image's."""

    left: float
    top: float
    width: float
    height: float

    def problem(self) -> str:
        """Return why this is not an area within the image, or ""."""
        values = (self.left, self.top, self.width, self.height)
        if not all(0 <= value <= 1 for value in values) or self.width <= 0 or self.height <= 0:
            return _("Give the area's left, top, width and height between 0 and 100 %.")
        if self.left + self.width > 1.0001 or self.top + self.height > 1.0001:
            return _("The area goes past the image's edge.")
        return ""


def redaction_mark(
    *,
    request: RecordsRequest,
    actor: Actor,
    person: Any,
    reason: str,
    words: str = "",
    image: str = "",
    area: Area | None = None,
) -> Redaction:
    """Mark ``words``, or ``area`` of the kept ``image``, to keep out of the request's
    released copies, with the reason; recorded (without the words)."""
    if reason not in RedactionReason.values:
        raise GovsocialError(_("Choose why it is redacted."), field="reason")
    words = " ".join(words.split())
    if image:
        if area is None or (problem := area.problem()):
            raise GovsocialError(problem if area else _("Draw or give the area."), field="area")
        kept = ArchiveContent.objects.filter(sha256=image).values_list("media_type", flat=True)
        if (kept.first() or "") not in IMAGE_FORMATS:
            raise GovsocialError(_("That is not an image the archive keeps."), field="image")
    elif len(words) < SHORTEST_WORDS:
        raise GovsocialError(_("Give at least two letters to redact."), field="words")
    elif len(words) > 200:
        raise GovsocialError(_("Give at most 200 letters to redact."), field="words")
    with transaction.atomic():
        request = RecordsRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
        if words and request.redactions.filter(words__iexact=words).exists():
            raise Conflict(_("Those words are redacted already."), field="words")
        box = area or Area(0, 0, 0, 0)
        redaction: Redaction = Redaction.objects.create(
            agency=request.agency,
            request=request,
            words=words,
            image=image,
            left=box.left if image else None,
            top=box.top if image else None,
            width=box.width if image else None,
            height=box.height if image else None,
            reason=reason,
            marked_by=person,
        )
        _record(redaction, actor, REDACTION_MARKED)
    return redaction


def _record(redaction: Redaction, actor: Actor, verb: str) -> None:
    data: dict[str, Any] = {
        "number": redaction.request.number,
        "redaction": redaction.pk,
        "reason": redaction.reason,
    }
    if redaction.image:
        data["image"] = redaction.image
    else:
        data["letters"] = len(redaction.words)
    archive.record(
        agency=redaction.agency, actor=actor, verb=verb, obj=redaction.request, data=data
    )


def redaction_remove(*, redaction: Redaction, actor: Actor) -> None:
    """Take a redaction back: later released copies show what it kept out; recorded."""
    with transaction.atomic():
        _record(redaction, actor, REDACTION_REMOVED)
        redaction.delete()


@dataclass(frozen=True)
class Suggestion:
    """Something that looks like personal data in what a request's searches find: what
    it is (email, phone, handle or name), how often it appears, and whether it is the
    person the request is about (their searches' person)."""

    words: str
    kind: str
    count: int
    own: bool

    @property
    def kind_label(self) -> str:
        return str(_SUGGESTION_KINDS[self.kind])


_SUGGESTION_KINDS = {
    "email": _("Email address"),
    "phone": _("Phone number"),
    "handle": _("Handle"),
    "name": _("Name"),
}


@dataclass(frozen=True)
class Review:
    """What the workbench offers on a request: suggestions of personal data, and the kept
    images its records show (their hashes), to mark areas of."""

    suggestions: list[Suggestion]
    images: list[str]


def review(request: RecordsRequest, *, read: int | None = None) -> Review:
    """Read the records the request's searches find (the first ``read``, all with None)
    for what looks like personal data, the most frequent first, less what is redacted;
    and for the kept images they show."""
    from archive.forms import saved_searches_found

    searches = [(search.name, search.criteria) for search in request.searches.all()]
    if not searches:
        return Review([], [])
    found = saved_searches_found(searches, ZoneInfo(request.agency.time_zone))
    events = ArchiveEvent.objects.filter(found).exclude(salt="").order_by("id")
    counts: Counter[tuple[str, str]] = Counter()
    named: dict[str, None] = {}
    own = _own_terms(request)
    # The names and handles of what the person wrote are theirs too.
    owned: set[str] = set()
    for data in events.values_list("data", flat=True)[:read].iterator(2_000):
        for kind, words in _personal(data):
            counts[kind, words] += 1
        named |= dict.fromkeys(kept_hashes(data))
        author = _author(data)
        if any(term in folded for term in own for folded in author):
            owned |= author
    images = set(
        ArchiveContent.objects.filter(sha256__in=named, media_type__in=IMAGE_FORMATS).values_list(
            "sha256", flat=True
        )
    )
    marked = set(request.redactions.exclude(words="").values_list(Lower("words"), flat=True))
    theirs = _agency_handles()
    seen: set[str] = set()
    shown = []
    for (kind, words), count in counts.most_common():
        key = words.casefold()
        if key in marked or key in seen or key.lstrip("@") in theirs:
            continue
        seen.add(key)
        shown.append(Suggestion(words, kind, count, key in owned or any(t in key for t in own)))
    return Review(shown, [digest for digest in named if digest in images])


def _personal(data: Any) -> Iterator[tuple[str, str]]:
    """Yield what in an event's data looks like personal data: (kind, words)."""
    if not isinstance(data, dict):
        return
    for name in _AUTHOR_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and len(value.strip()) >= SHORTEST_WORDS:
            yield ("handle" if name == "author_handle" else "name"), value.strip()
    for text in _written(data):
        for pattern, kind in ((_EMAIL, "email"), (_PHONE, "phone"), (_HANDLE, "handle")):
            for match in pattern.finditer(text):
                yield kind, match.group(0).strip()


def _author(data: Any) -> set[str]:
    """Return the name and handle of who wrote an event's data, folded."""
    if not isinstance(data, dict):
        return set()
    return {
        value.strip().casefold()
        for value in (data.get(name) for name in _AUTHOR_FIELDS)
        if isinstance(value, str) and value.strip()
    }


def _written(value: Any) -> Iterator[str]:
    """Yield what people wrote in an event's data (its texts, alt texts, notes…), not
    its identifiers, addresses and times."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _WRITTEN and isinstance(item, str):
                yield item
            else:
                yield from _written(item)
    elif isinstance(value, list):
        for item in value:
            yield from _written(item)


def _agency_handles() -> set[str]:
    """Return the bound agency's own accounts' handles, folded, without their @: the
    agency's, not a person's."""
    accounts = apps.get_model("publishing", "SocialAccount").objects.values_list(
        "handle", flat=True
    )
    return {handle.lstrip("@").casefold() for handle in accounts}


def _own_terms(request: RecordsRequest) -> list[str]:
    """Return how the request's searches name the person it is about, folded."""
    terms = []
    for criteria in request.searches.values_list("criteria", flat=True):
        person = str((criteria or {}).get("person") or "").strip().lstrip("@").casefold()
        if len(person) >= SHORTEST_WORDS:
            terms.append(person)
    return terms


def third_parties_mark(*, request: RecordsRequest, actor: Actor, person: Any) -> int:
    """Mark, in a person's access request, every suggestion that is not the person's
    own as another person's data (GDPR Art. 15(4)), read from all the records its
    searches find; return how many were marked."""
    if request.kind != RequestKind.PERSONAL_DATA:
        raise Conflict(_("Only a person's access request has third parties to redact."))
    marked = 0
    for suggestion in review(request).suggestions:
        if suggestion.own or len(suggestion.words) > 200:
            continue
        try:
            redaction_mark(
                request=request,
                actor=actor,
                person=person,
                reason=RedactionReason.OTHERS_DATA,
                words=suggestion.words,
            )
        except Conflict:
            continue
        marked += 1
    return marked


def redactions_recorded(request: RecordsRequest) -> list[dict[str, Any]]:
    """Return the request's redactions as a package asked for now keeps them."""
    return [
        {
            "words": row.words,
            "image": row.image,
            "area": [row.left, row.top, row.width, row.height] if row.image else None,
            "reason": row.reason,
        }
        for row in request.redactions.order_by("id")
    ]


@dataclass
class Release:
    """The redactions of one released copy, applied while it is written: words replaced
    by their reason wherever they appear, and the kept files they change written again
    (in a temporary folder, under the hash of what they became)."""

    recorded: list[dict[str, Any]]
    folder: Path
    label: str = field(default_factory=lambda: _("redacted"))
    # A changed file's original hash -> its released hash; a released hash -> its media
    # type and where it waits.
    renamed: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, Path]] = field(default_factory=dict)
    # Where each redaction applied: {"event" or "file", "reasons"}.
    applied: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        words = sorted(
            ((row["words"], row["reason"]) for row in self.recorded if row["words"]),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )
        # One group per redaction, the longest first: the group that matched gives the reason.
        self.reasons = {f"w{number}": reason for number, (_text, reason) in enumerate(words)}
        self.pattern = (
            re.compile(
                "|".join(f"(?P<w{n}>{re.escape(text)})" for n, (text, _r) in enumerate(words)),
                re.IGNORECASE,
            )
            if words
            else None
        )
        self.areas: dict[str, list[tuple[Area, str]]] = {}
        for row in self.recorded:
            if row["image"]:
                self.areas.setdefault(row["image"], []).append((Area(*row["area"]), row["reason"]))

    def text(self, text: str, reasons: set[str]) -> str:
        """Return ``text`` with the redacted words replaced by their reason (added to
        ``reasons``)."""
        if self.pattern is None:
            return text

        def replaced(match: re.Match[str]) -> str:
            reason = self.reasons[str(match.lastgroup)]
            reasons.add(reason)
            return f"[{self.label} · {REASON_CODES[RedactionReason(reason)]}]"

        return self.pattern.sub(replaced, text)

    def value(self, value: Any, reasons: set[str]) -> Any:
        """Return a JSON value with its strings redacted and the kept files the release
        changed named by their new hash."""
        if isinstance(value, str):
            if value in self.renamed:
                reasons.add("file")
                return self.renamed[value]
            return self.text(value, reasons)
        if isinstance(value, dict):
            return {key: self.value(item, reasons) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item, reasons) for item in value]
        return value

    def event(self, fields: dict[str, Any]) -> tuple[dict[str, Any], set[str]] | None:
        """Return an event's content as released (its data parsed) and the reasons that
        applied ("file" for a kept file it names that changed), or None when no redaction
        touches it."""
        if not fields["salt"]:
            return None
        reasons: set[str] = set()
        content = {
            name: self.value(
                json.loads(fields[name]) if name == "data" and fields[name] else fields[name],
                reasons,
            )
            for name in CONTENT_FIELDS
        }
        return (content, reasons) if reasons else None

    def note(self, event_id: int, reasons: set[str]) -> None:
        """Note, for the copy's list, that redactions applied to an event."""
        self.applied.append(
            {"event": event_id, "reasons": sorted(reasons - {"file"}), "files": "file" in reasons}
        )

    def contents_prepare(
        self, kept: Iterator[tuple[str, str, bytes | None]], agency_id: int
    ) -> None:
        """Write again, redacted, each kept file (hash, media type, bytes as
        ``package_records.kept_contents`` gives them) the redactions change: documents
        whose words they name, images with areas marked. Images come first: a document
        names them by the hash they get."""
        for digest, media_type, body in kept:
            if media_type == DOCUMENT_TYPE and self.pattern is not None:
                with kept_file(agency_id=agency_id, sha256=digest, body=body) as file:
                    text = file.read().decode("utf-8")
                reasons: set[str] = set()
                redacted = json.dumps(
                    self.value(json.loads(text), reasons), ensure_ascii=False, sort_keys=True
                )
                if reasons:
                    reasons.discard("file")
                    self._keep(digest, media_type, redacted.encode("utf-8"), sorted(reasons))
            elif digest in self.areas and media_type in IMAGE_FORMATS:
                with kept_open(agency_id=agency_id, sha256=digest) as file:
                    burned = image_burn(
                        file.read(), media_type, [a for a, _r in self.areas[digest]]
                    )
                self._keep(digest, media_type, burned, sorted({r for _a, r in self.areas[digest]}))

    def _keep(self, digest: str, media_type: str, body: bytes, reasons: list[str]) -> None:
        released = hashlib.sha256(body).hexdigest()
        path = self.folder / released
        path.write_bytes(body)
        self.renamed[digest] = released
        self.files[released] = (media_type, path)
        self.applied.append({"file": released, "media_type": media_type, "reasons": reasons})

    def listed(self) -> dict[str, Any]:
        """Return what the copy lists of its redactions: each mark's kind and reason
        (never the words), and where they applied — events given redacted, kept files
        written again."""
        return {
            "marks": [
                {
                    "kind": "area" if row["image"] else "words",
                    "reason": row["reason"],
                    "code": REASON_CODES[RedactionReason(row["reason"])],
                }
                for row in self.recorded
            ],
            "applied": self.applied,
        }

    def changed(self, digest: str) -> tuple[str, Path] | None:
        """Return the released hash and the file of a kept file the release changed."""
        released = self.renamed.get(digest)
        return (released, self.files[released][1]) if released is not None else None


def image_burn(body: bytes, media_type: str, areas: list[Area]) -> bytes:
    """Return the image with ``areas`` blacked out in its pixels, written again in its
    format without its metadata (an animation keeps only its first frame)."""
    try:
        with Image.open(io.BytesIO(body)) as opened:
            opened.seek(0)
            image = opened.convert("RGBA" if opened.mode in ("RGBA", "LA", "P") else "RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise GovsocialError(_("A marked image cannot be read to redact it.")) from error
    draw = ImageDraw.Draw(image)
    width, height = image.size
    for area in areas:
        # Whole pixels, every one the area touches.
        box = (
            math.floor(area.left * width),
            math.floor(area.top * height),
            min(width, math.ceil((area.left + area.width) * width)) - 1,
            min(height, math.ceil((area.top + area.height) * height)) - 1,
        )
        draw.rectangle(box, fill="black")
    kind = IMAGE_FORMATS[media_type]
    if kind == "JPEG":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()
