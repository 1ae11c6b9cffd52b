"""A released copy's pages as PDF, one file per page of ``archive.rendition``: the same
events, as a person reads them, in a typeface that covers the Latin scripts. Only what
the copy releases is ever written into the PDF — no text lies under a black box — and a
character the typeface lacks is written as its code point rather than dropped."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import font_source_sans_pro
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from fpdf import FPDF

_FONTS = Path(font_source_sans_pro.font_directory)
_REGULAR = _FONTS / "SourceSansPro-Regular.ttf"
_BOLD = _FONTS / "SourceSansPro-Bold.ttf"
_IMAGE_WIDTH_MM = 120
# Where a line of text goes next: the left margin of the next line.
_NEXT = {"new_x": "LMARGIN", "new_y": "NEXT"}


@cache
def _covered() -> frozenset[int]:
    """Return the characters the typeface draws."""
    with TTFont(str(_REGULAR), lazy=True) as font:
        return frozenset(font.getBestCmap())


def printable(text: str) -> str:
    """Return ``text`` with each character the typeface lacks written as U+XXXX."""
    covered = _covered()
    return "".join(
        char if ord(char) in covered or char in "\n\t" else f"[U+{ord(char):04X}]" for char in text
    )


class PdfPage:
    """One page of a released copy being written as PDF."""

    def __init__(self, title: str, language: str) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_lang(language)
        self.pdf.set_title(printable(title))
        self.pdf.add_font("body", "", str(_REGULAR))
        self.pdf.add_font("body", "B", str(_BOLD))
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_page()
        self._line(title, size=16, bold=True)

    def _line(self, text: str, *, size: float = 11, bold: bool = False, indent: float = 0) -> None:
        self.pdf.set_font("body", "B" if bold else "", size)
        self.pdf.set_x(self.pdf.l_margin + indent)
        self.pdf.multi_cell(0, size * 0.5, printable(text), **_NEXT)  # type: ignore[arg-type]
        self.pdf.ln(1)

    def event(
        self,
        fields: dict[str, Any],
        zone: ZoneInfo,
        documents: dict[str, Any],
        read: Callable[[str], bytes],
    ) -> None:
        """Write one event as ``archive.rendition`` shows it: when, what, who, what was
        said and shown (``documents``: the kept documents read, or the media type of
        each other kept file, by hash; ``read`` gives a kept file's bytes)."""
        moment = datetime.fromisoformat(fields["occurred_at"]).astimezone(zone)
        self.pdf.ln(2)
        self._line(f"{moment:%Y-%m-%d %H:%M:%S %Z} · {fields['verb']}", size=12, bold=True)
        who = fields["actor_name"] or fields["actor_type"]
        about = f" · {fields['object_repr']}" if fields["object_repr"] else ""
        by = _("By")
        self._line(f"{by} {who}{about}")
        data = fields["data"]
        if data is None:
            self._line(_("Its content was erased."))
            return
        self._said(data, documents, read)
        listed = {item.get("sha256") for item in data.get("media") or [] if isinstance(item, dict)}
        for digest in fields["kept"]:
            kept = documents.get(digest)
            if isinstance(kept, dict):
                self._said(kept, documents, read)
            elif isinstance(kept, str) and digest not in listed:
                self._image(digest, kept, read)

    def _said(
        self, data: dict[str, Any], documents: dict[str, Any], read: Callable[[str], bytes]
    ) -> None:
        text = data.get("text")
        if not isinstance(text, str) or not text:
            return
        author = " ".join(
            str(value) for value in (data.get("author_name"), data.get("author_handle")) if value
        )
        if author:
            self._line(author, bold=True, indent=4)
        self._line(text, indent=4)
        if data.get("permalink"):
            self._line(str(data["permalink"]), size=9, indent=4)
        for item in data.get("media") or []:
            if isinstance(item, dict) and isinstance(item.get("sha256"), str):
                media_type = documents.get(item["sha256"])
                if isinstance(media_type, str):
                    self._image(item["sha256"], media_type, read, str(item.get("alt_text") or ""))

    def _image(
        self, digest: str, media_type: str, read: Callable[[str], bytes], alt_text: str = ""
    ) -> None:
        """Place a kept image (another kept file is named); its alt text under it."""
        if not media_type.startswith("image/"):
            self._line(f"[{media_type} {digest}]", size=9, indent=4)
            return
        try:
            self.pdf.image(
                io.BytesIO(read(digest)), w=_IMAGE_WIDTH_MM, alt_text=printable(alt_text)
            )
        except Exception:
            self._line(f"[{media_type} {digest}]", size=9, indent=4)
        if alt_text:
            self._line(alt_text, size=9, indent=4)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
