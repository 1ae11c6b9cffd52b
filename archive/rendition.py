"""The readable side of a records package: one page per conversation (an inbox thread,
its items and replies and what was done with them) or per other thing recorded (a post
as it went out on one network, a request…), as a person reads it, with an index; and
the package's README. Pages are written a chunk of events at a time, the index's lines
waiting in a temporary file."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from archive import DOCUMENT_TYPE
from archive.models import ArchiveHead, ExportPackage
from archive.package_records import chunked
from archive.records import kept_hashes
from archive.rendition_pdf import PdfPage
from archive.selectors import kept_file, kept_open
from archive.verification import EVENT_FIELDS, event_columns, rows_stream

if TYPE_CHECKING:
    from archive.bag import BagWriter
    from archive.redaction import Release

PAGES = "data/pages/"
# The largest kept document read into a page (what was published is far smaller).
_LARGEST_DOCUMENT = 1 << 20
_CHUNK = 1_000
# The characters of a page gathered at most before it is written as a stream.
_GATHERED = 1 << 20
# The page an event belongs on: its conversation when it, or the first event about its
# object, names one (inbox items and replies carry their network and thread); else its
# object; events about nothing share one page.
_PAGE = (
    "COALESCE((e.data->>'network') || ':' || (e.data->>'thread'),"
    " (SELECT (t.data->>'network') || ':' || (t.data->>'thread')"
    " FROM archive_archiveevent AS t WHERE t.agency_id = e.agency_id"
    " AND t.object_type = e.object_type AND t.object_id = e.object_id AND t.data ? 'thread'"
    " ORDER BY t.id LIMIT 1),"
    " e.object_type || ':' || e.object_id)"
)


def pages_write(
    bag: BagWriter,
    *,
    chosen: str,
    params: list[Any],
    package: ExportPackage,
    progress: Callable[[int], None],
    release: Release | None = None,
) -> None:
    """Write a page for each conversation or thing the chosen events are about, and the
    index of the pages; in a released copy, the events as released, each page also as
    PDF."""
    zone, labels = ZoneInfo(package.time_zone), _Labels()
    rows = rows_stream(
        # Built of the module's own SQL, the searches' through their parameters.
        f"SELECT {_PAGE} AS page, l.position, {event_columns()} {chosen}"  # nosec B608
        " ORDER BY page, l.position",
        params,
        one_pass=True,
    )
    with tempfile.TemporaryFile("w+", encoding="utf-8") as index:
        pages = _Pages(bag, package, index, release, labels)
        events = (_event_of(page, values, release) for page, _position, *values in rows)
        for chunk in chunked(events, _CHUNK):
            documents = _documents([fields for _page, fields in chunk], release)
            for page, fields in chunk:
                pages.add(page, _event_html(fields, zone, documents, labels), fields)
                if pages.pdf is not None:
                    pages.pdf.event(fields, zone, documents, pages.read)
            progress(len(chunk))
        pages.close()
        index.seek(0)
        heading = _("Records of request %(number)s") % {"number": package.request.number}
        told = _("One page per conversation or per thing recorded, in the order of the log.")
        with bag.text(PAGES + "index.html") as out:
            out.write(_head(package, heading))
            out.write(f"<p>{escape(told)}</p>\n<ol>\n")
            while text := index.read(1 << 20):
                out.write(text)
            out.write("</ol>\n</main></body></html>\n")


def _event_of(
    page: str | None, values: list[Any], release: Release | None
) -> tuple[str, dict[str, Any]]:
    """Return an event's page and its fields (as released, in a released copy), its data
    read and the hashes of kept content it names (``kept``)."""
    fields = dict(zip(EVENT_FIELDS, values, strict=True))
    released = release.event(fields) if release is not None else None
    if released is not None:
        fields |= released[0]
    elif fields["data"] is not None:
        fields["data"] = json.loads(fields["data"])
    fields["kept"] = kept_hashes(fields["data"]) if fields["data"] is not None else []
    return page or "", fields


class _Pages:
    """The pages being written, one after the other (a ZIP file is written a file at a
    time), each gathered before it is written in one go, a long one (a conversation
    of thousands) streamed once it passes ``_GATHERED``; each line of the index waiting
    in ``index``."""

    def __init__(
        self,
        bag: BagWriter,
        package: ExportPackage,
        index: IO[str],
        release: Release | None,
        labels: _Labels,
    ) -> None:
        self.bag, self.package, self.index, self.release = bag, package, index, release
        self.labels = labels
        self.page: str | None = None
        self.number = self.count = 0
        self.title = ""
        # The page's parts not written yet; None between pages.
        self.parts: list[str] | None = None
        self.gathered = 0
        self.open = ExitStack()
        self.out: IO[str] | None = None
        # The page as PDF, in a released copy.
        self.pdf: PdfPage | None = None

    def read(self, digest: str) -> bytes:
        """Return the bytes of a kept file the page names (in a released copy, by the
        hash of what the release made of it, when it changed)."""
        released = self.release.files.get(digest) if self.release is not None else None
        if released is not None:
            return released[1].read_bytes()
        with kept_open(agency_id=self.package.agency_id, sha256=digest) as kept:
            return bytes(kept.read())

    def add(self, page: str, shown: str, fields: dict[str, Any]) -> None:
        """Add an event (``shown`` in HTML) to its page, the next one when it is another."""
        if page != self.page or self.parts is None:
            self.close()
            self.page, self.number, self.count = page, self.number + 1, 0
            self.title = _title(fields, self.labels)
            self.gathered = 0
            self.parts = [
                _head(self.package, self.title),
                f'<p><a href="index.html">{self.labels.all_pages}</a></p>\n',
            ]
            if self.release is not None:
                self.pdf = PdfPage(self.title, self.package.language)
        self.count += 1
        if self.out is not None:
            self.out.write(shown)
            return
        self.parts.append(shown)
        self.gathered += len(shown)
        if self.gathered > _GATHERED:
            self.out = self.open.enter_context(self.bag.text(self._name("html")))
            self.out.writelines(self.parts)
            self.parts = []

    def _name(self, kind: str) -> str:
        return f"{PAGES}{self.number:06d}.{kind}"

    def close(self) -> None:
        """End the page being written, and list it in the index."""
        if self.parts is None:
            return
        end = "</main></body></html>\n"
        if self.out is not None:
            self.out.write(end)
            self.open.close()
            self.out = None
        else:
            self.bag.add(self._name("html"), "".join([*self.parts, end]).encode("utf-8"))
        self.parts = None
        shown = escape(self.labels.events % {"count": self.count})
        link = f'<a href="{self.number:06d}.html">{escape(self.title)}</a>'
        if self.pdf is not None:
            self.bag.add(self._name("pdf"), self.pdf.output())
            self.pdf = None
            link += f' (<a href="{self.number:06d}.pdf">PDF</a>)'
        self.index.write(f"<li>{link} ({shown})</li>\n")


def _documents(chunk: list[dict[str, Any]], release: Release | None) -> dict[str, Any]:
    """Return, by hash, the kept documents that events saying nothing in words point
    to (what was published: its text is in the document), read; and the media type of
    each other kept file the events name (as released, in a released copy)."""
    named = {digest for fields in chunk for digest in fields["kept"]}
    wordless = {
        digest
        for fields in chunk
        if not (fields["data"] or {}).get("text")
        for digest in fields["kept"]
    }
    found: dict[str, Any] = {}
    released = release.files if release is not None else {}
    for digest in named & released.keys():
        media_type, path = released[digest]
        if media_type != DOCUMENT_TYPE:
            found[digest] = media_type
        elif digest in wordless:
            found[digest] = json.loads(path.read_text("utf-8"))
    named -= released.keys()
    listed = list(named)
    with connection.cursor() as cursor:
        # Each hash found through the index (a list of them in ``IN`` is planned as a
        # scan of all the agency's kept content); a document's bytes only where read.
        cursor.execute(
            "SELECT c.sha256, c.media_type, c.agency_id, h.wordless AND c.media_type = %s"
            " AND c.size <= %s, b.body FROM unnest(%s::text[], %s::bool[]) AS h(sha256, wordless)"
            " JOIN archive_archivecontent AS c ON c.sha256 = h.sha256"
            " LEFT JOIN archive_archivecontentbytes AS b ON h.wordless AND c.media_type = %s"
            " AND b.agency_id = c.agency_id AND b.sha256 = c.sha256",
            [DOCUMENT_TYPE, _LARGEST_DOCUMENT, listed, [digest in wordless for digest in listed],
             DOCUMENT_TYPE],
        )  # fmt: skip
        rows = cursor.fetchall()
    for digest, media_type, agency_id, read, body in rows:
        if media_type != DOCUMENT_TYPE:
            found[digest] = media_type
        elif read:
            with kept_file(agency_id=agency_id, sha256=digest, body=body) as kept:
                found[digest] = json.loads(kept.read())
    return found


def _title(fields: dict[str, Any], labels: _Labels) -> str:
    data = fields["data"] or {}
    if data.get("thread"):
        return labels.conversation % {
            "network": data.get("network", ""),
            "author": data.get("author_name") or data.get("author_handle") or "",
        }
    return fields["object_repr"] or fields["verb"]


@dataclass(frozen=True)
class _Labels:
    """The pages' own words, translated once (into the package's language) and escaped."""

    by: str = field(default_factory=lambda: escape(_("By")))
    erased: str = field(default_factory=lambda: escape(_("Its content was erased.")))
    all_pages: str = field(default_factory=lambda: escape(_("All pages")))
    # Formats, filled in (then escaped) a page at a time.
    events: str = field(default_factory=lambda: _("%(count)d events"))
    conversation: str = field(
        default_factory=lambda: _("Conversation on %(network)s with %(author)s")
    )


def _event_html(
    fields: dict[str, Any], zone: ZoneInfo, documents: dict[str, Any], labels: _Labels
) -> str:
    """Return one event as a person reads it: when, who, what, what was said and shown."""
    moment = datetime.fromisoformat(fields["occurred_at"])
    parts = [
        f'<article id="event-{fields["id"]}">',
        f'<h2><time datetime="{escape(fields["occurred_at"])}">'
        f"{moment.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}</time> · {escape(fields['verb'])}</h2>",
        f"<p>{labels.by} {escape(fields['actor_name'] or fields['actor_type'])}"
        + (f" · {escape(fields['object_repr'])}" if fields["object_repr"] else "")
        + "</p>",
    ]
    data = fields["data"]
    if data is None:
        parts.append(f"<p><em>{labels.erased}</em></p>")
        return "\n".join([*parts, "</article>\n"])
    parts.extend(_said(data))
    for digest in fields["kept"]:
        kept = documents.get(digest)
        if isinstance(kept, dict):
            parts.extend(_said(kept))
        elif isinstance(kept, str):
            parts.append(_media_html(digest, kept, _alt_text(data, digest)))
    return "\n".join([*parts, "</article>\n"])


def _said(data: dict[str, Any]) -> list[str]:
    """Return what a record says in words: who wrote, in which language, what, and the
    files it showed."""
    text = data.get("text")
    if not isinstance(text, str) or not text:
        return []
    language = data.get("language") if isinstance(data.get("language"), str) else ""
    lang = f' lang="{escape(language)}"' if language else ""
    author = " ".join(
        str(value) for value in (data.get("author_name"), data.get("author_handle")) if value
    )
    parts = [f"<blockquote{lang}>"]
    if author:
        parts.append(f"<p><strong>{escape(author)}</strong></p>")
    parts.append(f"<p>{escape(text)}</p>")
    if data.get("permalink"):
        parts.append(
            f'<p><a href="{escape(data["permalink"])}">{escape(data["permalink"])}</a></p>'
        )
    for item in data.get("media") or []:
        if isinstance(item, dict) and isinstance(item.get("sha256"), str):
            parts.append(
                _media_html(
                    item["sha256"], str(item.get("media_type", "")), str(item.get("alt_text") or "")
                )
            )
    parts.append("</blockquote>")
    return parts


def _alt_text(data: dict[str, Any], digest: str) -> str:
    for item in data.get("media") or []:
        if isinstance(item, dict) and item.get("sha256") == digest:
            return str(item.get("alt_text") or "")
    return ""


def _media_html(digest: str, media_type: str, alt_text: str) -> str:
    source = f"../media/{digest}"
    if media_type.startswith("image/"):
        return f'<figure><img src="{source}" alt="{escape(alt_text)}"></figure>'
    file_word = escape(_("File"))
    return f'<p><a href="{source}">{file_word} {escape(media_type)}</a></p>'


def _head(package: ExportPackage, title: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(package.language)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem}"
        "article{border-top:1px solid #888;padding:.5rem 0}blockquote{border-left:4px solid #888;"
        "margin:.5rem 0;padding-left:1rem}img{max-width:100%}pre{white-space:pre-wrap}</style>"
        f"</head><body><main>\n<h1>{escape(title)}</h1>\n"
    )


def readme(package: ExportPackage, head: ArchiveHead) -> str:
    """Return the package's README: what it holds and how to check it."""
    return render_to_string("archive/package_readme.txt", {"package": package, "head": head})
