"""Writing a bag (BagIt 1.0, RFC 8493) straight into a ZIP file, one file after the
other, each hashed as it is written: memory stays the same whatever the bag holds. The
manifest's lines wait in a temporary file, not in memory, and so does the ZIP's central
directory (``archive.zip_writer``)."""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from archive.package_check import BAGIT, MANIFEST, TAG_MANIFEST
from archive.zip_writer import ZipMember, ZipWriter

_CHUNK = 1 << 20
# Bytes gathered before they go on to the ZIP member (a package has many small files).
_BUFFER = 1 << 16


class _Hashing(io.RawIOBase):
    """Pass bytes on to a ZIP member, counting and hashing them."""

    def __init__(self, member: ZipMember) -> None:
        self.member = member
        self.hasher = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.member.write(data)
        self.hasher.update(data)
        self.size += len(data)
        return len(data)


class BagWriter:
    """A bag being written into ``file`` under the folder ``root``: payload files (under
    ``data/``) and tag files, then, on ``close``, the manifests and ``bag-info.txt``."""

    def __init__(self, file: IO[bytes], root: str) -> None:
        self.zip = ZipWriter(file)
        self.root = root.strip("/") + "/"
        # Closed with the manifest's writing (``manifest_close``).
        self.manifest = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.tags: list[tuple[str, str]] = []
        self.payload_bytes = 0
        self.payload_files = 0

    @contextmanager
    def binary(self, name: str, *, compress: bool = True) -> Iterator[IO[bytes]]:
        """Write the file ``name`` (``data/…`` for the payload) as bytes."""
        with self.zip.member(self.root + name, compress=compress) as member:
            hashing = _Hashing(member)
            buffered = io.BufferedWriter(hashing, _BUFFER)
            yield buffered
            buffered.flush()
        self._listed(name, hashing.hasher.hexdigest(), hashing.size)

    @contextmanager
    def text(self, name: str) -> Iterator[IO[str]]:
        """Write the file ``name`` as UTF-8 text, lines ending in \\n."""
        with self.binary(name) as raw:
            wrapper = io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=False)
            yield wrapper
            wrapper.flush()
            wrapper.detach()

    def add(self, name: str, content: bytes) -> None:
        """Write the file ``name`` whole, in one go."""
        self.zip.whole(self.root + name, content, compress=True)
        self._listed(name, hashlib.sha256(content).hexdigest(), len(content))

    def copy(self, name: str, source: IO[bytes], *, compress: bool) -> None:
        """Write the file ``name`` from ``source``, a chunk at a time."""
        with self.binary(name, compress=compress) as file:
            while chunk := source.read(_CHUNK):
                file.write(chunk)

    def _listed(self, name: str, digest: str, size: int) -> None:
        if name.startswith("data/"):
            self.manifest.write(f"{digest}  {name}\n")
            self.payload_bytes += size
            self.payload_files += 1
        else:
            self.tags.append((name, digest))

    def manifest_close(self) -> str:
        """Write the payload's manifest (no payload file may follow); return its SHA-256."""
        self.manifest.seek(0)
        with self.binary(MANIFEST) as file:
            while chunk := self.manifest.read(_CHUNK):
                file.write(chunk.encode("utf-8"))
        self.manifest.close()
        return dict(self.tags)[MANIFEST]

    def close(self, info: dict[str, str]) -> None:
        """Write ``bagit.txt``, ``bag-info.txt`` (``info`` with the payload's size and
        count) and the tag manifest, and end the ZIP file."""
        self.add("bagit.txt", BAGIT)
        lines = {**info, "Payload-Oxum": f"{self.payload_bytes}.{self.payload_files}"}
        self.add(
            "bag-info.txt",
            "".join(f"{label}: {value}\n" for label, value in lines.items()).encode("utf-8"),
        )
        listed = "".join(f"{digest}  {name}\n" for name, digest in self.tags)
        with self.binary(TAG_MANIFEST) as file:
            file.write(listed.encode("utf-8"))
        self.zip.close()
