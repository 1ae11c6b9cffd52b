"""Writing a ZIP file one member after the other in memory that does not grow with the
number of members: each member's central-directory record waits in a temporary file
until the end (Python's ``zipfile`` keeps one object per member until it closes, and a
records package has one member per conversation). Every member is written as ZIP64
(APPNOTE 6.3, §4.3 and §4.5.3), so sizes, offsets and counts have no limit.

The output file must be seekable: a member's local header gets its CRC and sizes once
the member is written.
"""

from __future__ import annotations

import struct
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

_LOCAL = struct.Struct("<4sHHHHHLLLHH")
_CENTRAL = struct.Struct("<4sHHHHHHLLLHHHHHLL")
_ZIP64_END = struct.Struct("<4sQHHLLQQQQ")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_END = struct.Struct("<4sHHHHLLH")
# ZIP64's version (4.5), made on Unix (3); names in UTF-8 (general purpose bit 11).
_VERSION = 45
_MADE_BY = (3 << 8) | _VERSION
_UTF8 = 0x0800
_STORED, _DEFLATED = 0, 8
_FULL32, _FULL16 = 0xFFFFFFFF, 0xFFFF
# Read-write for its owner, read for the others, as a regular file.
_FILE_MODE = (0o100644 << 16) & _FULL32
_CHUNK = 1 << 20
# The fastest deflate: text shrinks nearly as much, in a fraction of the time; raw (no
# zlib header), as a ZIP member holds it.
_LEVEL, _RAW = 1, -15


class ZipMember:
    """A member being written: its bytes pass on to the file, compressed or not,
    counted and checked (CRC-32) on the way."""

    def __init__(self, file: IO[bytes], *, compress: bool) -> None:
        self.file = file
        self.compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, _RAW) if compress else None
        self.crc = self.size = self.compressed = 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        out = self.compressor.compress(data) if self.compressor else data
        self.file.write(out)
        self.compressed += len(out)
        return len(data)

    def finish(self) -> None:
        if self.compressor:
            tail = self.compressor.flush()
            self.file.write(tail)
            self.compressed += len(tail)


@dataclass
class _Entry:
    """A member as its headers describe it: where it starts, how it is stored, when it
    was written, and (once known) its CRC and sizes."""

    encoded: bytes
    offset: int
    compress: bool
    crc: int = 0
    size: int = 0
    compressed: int = 0
    stamp: tuple[int, int] = field(default_factory=lambda: _stamp(time.localtime()))

    def local(self) -> bytes:
        """Return the member's local header, its sizes in the ZIP64 field."""
        sizes = struct.pack("<HHQQ", 0x0001, 16, self.size, self.compressed)
        return (
            _LOCAL.pack(
                b"PK\x03\x04",
                _VERSION,
                _UTF8,
                _DEFLATED if self.compress else _STORED,
                *self.stamp,
                self.crc,
                _FULL32,
                _FULL32,
                len(self.encoded),
                len(sizes),
            )
            + self.encoded
            + sizes
        )

    def central(self) -> bytes:
        """Return the member's central-directory record."""
        extra = struct.pack("<HHQQQ", 0x0001, 24, self.size, self.compressed, self.offset)
        return (
            _CENTRAL.pack(
                b"PK\x01\x02",
                _MADE_BY,
                _VERSION,
                _UTF8,
                _DEFLATED if self.compress else _STORED,
                *self.stamp,
                self.crc,
                _FULL32,
                _FULL32,
                len(self.encoded),
                len(extra),
                0,
                0,
                0,
                _FILE_MODE,
                _FULL32,
            )
            + self.encoded
            + extra
        )


def _stamp(moment: time.struct_time) -> tuple[int, int]:
    """Return a moment's time and day as a ZIP file's members carry them."""
    clock = (moment.tm_hour << 11) | (moment.tm_min << 5) | (moment.tm_sec // 2)
    day = ((moment.tm_year - 1980) << 9) | (moment.tm_mon << 5) | moment.tm_mday
    return clock, day


class ZipWriter:
    """A ZIP file being written into ``file``, a member at a time; ``close`` ends it."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        # Closed with the file's end (``close``).
        self.directory = tempfile.TemporaryFile()  # noqa: SIM115
        self.count = 0

    @contextmanager
    def member(self, name: str, *, compress: bool) -> Iterator[ZipMember]:
        """Write the member ``name``: what is written to what this yields."""
        entry = _Entry(name.encode("utf-8"), self.file.tell(), compress)
        self.file.write(entry.local())
        written = ZipMember(self.file, compress=compress)
        yield written
        written.finish()
        entry.crc, entry.size, entry.compressed = written.crc, written.size, written.compressed
        end = self.file.tell()
        # The header again, now that the CRC and sizes are known.
        self.file.seek(entry.offset)
        self.file.write(entry.local())
        self.file.seek(end)
        self._listed(entry)

    def whole(self, name: str, content: bytes, *, compress: bool) -> None:
        """Write the member ``name`` holding ``content``, all of it known (a small
        file: a page, a head), in one go."""
        stored = zlib.compress(content, _LEVEL, _RAW) if compress else content
        entry = _Entry(
            name.encode("utf-8"),
            self.file.tell(),
            compress,
            crc=zlib.crc32(content),
            size=len(content),
            compressed=len(stored),
        )
        self.file.write(entry.local())
        self.file.write(stored)
        self._listed(entry)

    def _listed(self, entry: _Entry) -> None:
        self.directory.write(entry.central())
        self.count += 1

    def close(self) -> None:
        """Write the central directory and the records that end the file."""
        start = self.file.tell()
        self.directory.seek(0)
        while chunk := self.directory.read(_CHUNK):
            self.file.write(chunk)
        self.directory.close()
        size = self.file.tell() - start
        end = self.file.tell()
        self.file.write(
            _ZIP64_END.pack(
                b"PK\x06\x06",
                _ZIP64_END.size - 12,
                _MADE_BY,
                _VERSION,
                0,
                0,
                self.count,
                self.count,
                size,
                start,
            )
        )
        self.file.write(_ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, end, 1))
        self.file.write(_END.pack(b"PK\x05\x06", 0, 0, _FULL16, _FULL16, _FULL32, _FULL32, 0))
