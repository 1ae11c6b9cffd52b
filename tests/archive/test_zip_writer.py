"""The ZIP writer of records packages: what it writes, zipfile reads back whole — names
in UTF-8, deflated and stored members, more members than a ZIP without ZIP64 may hold —
and a changed byte fails the member's check."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from archive.zip_writer import ZipWriter


def written(members: dict[str, bytes], *, compress: bool = True) -> bytes:
    out = io.BytesIO()
    writer = ZipWriter(out)
    for name, content in members.items():
        with writer.member(name, compress=compress) as member:
            for at in range(0, len(content), 7):
                member.write(content[at : at + 7])
    writer.close()
    return out.getvalue()


def test_zipfile_reads_back_every_member_whole() -> None:
    members = {
        "bag/data/événements.csv": "Le pont, fermé\n".encode() * 1000,
        "bag/data/empty.txt": b"",
        "bag/data/media/photo": bytes(range(256)) * 40,
    }
    for compress in (True, False):
        with zipfile.ZipFile(io.BytesIO(written(members, compress=compress))) as read:
            assert read.testzip() is None
            assert {name: read.read(name) for name in read.namelist()} == members
            info = read.getinfo("bag/data/media/photo")
            assert info.compress_type == (zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)


def test_members_written_whole_read_back_beside_streamed_ones() -> None:
    out = io.BytesIO()
    writer = ZipWriter(out)
    writer.whole("bag/data/pages/000001.html", "<p>Fermé</p>".encode() * 300, compress=True)
    with writer.member("bag/data/events.csv", compress=True) as member:
        member.write(b"id,verb\n1,inbox.item_hidden\n")
    writer.whole("bag/bagit.txt", b"BagIt-Version: 1.0\n", compress=False)
    writer.whole("bag/empty", b"", compress=True)
    writer.close()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as read:
        assert read.testzip() is None
        assert read.read("bag/data/pages/000001.html") == "<p>Fermé</p>".encode() * 300
        assert read.read("bag/data/events.csv") == b"id,verb\n1,inbox.item_hidden\n"
        assert read.read("bag/bagit.txt") == b"BagIt-Version: 1.0\n"
        assert read.read("bag/empty") == b""
        assert read.getinfo("bag/bagit.txt").compress_type == zipfile.ZIP_STORED


def test_more_members_than_a_zip_without_zip64_holds() -> None:
    members = {f"bag/data/pages/{n:06d}.html": f"<p>{n}</p>".encode() for n in range(70_000)}
    with zipfile.ZipFile(io.BytesIO(written(members))) as read:
        names = read.namelist()
        assert len(names) == 70_000
        assert read.read(names[-1]) == b"<p>69999</p>"


def test_a_changed_byte_fails_the_members_check() -> None:
    data = bytearray(written({"bag/data/events.csv": b"id,verb\n1,inbox.item_hidden\n" * 50}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as read:
        info = read.getinfo("bag/data/events.csv")
    data[info.header_offset + 30 + len(info.filename) + 20 + 5] ^= 1
    with (
        zipfile.ZipFile(io.BytesIO(bytes(data))) as read,
        pytest.raises((zipfile.BadZipFile, zlib.error), match=r"CRC|invalid|incorrect"),
    ):
        read.read("bag/data/events.csv")
