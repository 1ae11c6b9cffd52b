"""Checking a records package offline: ``python verify.py PACKAGE.zip`` (or the folder it
was unzipped to) says whether the package holds, and names the first file that does not.

Needs Python 3.11 or later and ``cryptography``, nothing else: this module, with
``archive.merkle``, ``archive.entries``, ``archive.rfc3161`` and ``archive.proofs``,
travels inside every package (``verifier/``). It checks, in order:

1. the bag (BagIt 1.0): every file the manifests list is there with its SHA-256, no
   other file is, and the payload's size and count are those ``bag-info.txt`` states;
2. that the deployment's log recorded this package's manifest (``package-proof.json``:
   the export's own event, proven in a signed head, names the manifest's SHA-256), and
   that the head it was recorded in extends the head the events are proven against;
3. each event of ``data/events.jsonl``: in the log as ``data/head.json`` signed it, at
   its position, with the content it commits to (unless erased since);
4. each kept file: ``data/documents.jsonl`` lines and ``data/media/`` files hash to the
   names the events give them;
5. with ``--tsa-chain``, the heads' RFC 3161 time-stamps.

Heads are checked with the public key given (``--public-key``), else with the one the
package carries, which the reader should compare with the one the deployment publishes.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from archive.proofs import consistency_problem, head_problem, inclusion_problem, timestamp_problem

BAGIT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
PACKAGE_PROOF = "package-proof.json"
PUBLIC_KEY = "public-key.txt"
HEAD = "data/head.json"
EVENTS = "data/events.jsonl"
DOCUMENTS = "data/documents.jsonl"
MEDIA = "data/media/"
# The verb of the event that records a package as built, naming its manifest.
PACKAGE_BUILT = "records.package_built"
_CHUNK = 1 << 20


class PackageProblem(Exception):
    """What does not hold in a package, naming the file (and line) where it was found."""


class Source:
    """The files of a package, by their path in the bag."""

    def names(self) -> list[str]:
        raise NotImplementedError

    def open(self, name: str) -> IO[bytes]:
        raise NotImplementedError


class ZipSource(Source):
    """A package as its ZIP file: the bag is its one top folder."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        members = [info.filename for info in self.zip.infolist() if not info.is_dir()]
        roots = {name.split("/", 1)[0] for name in members}
        if len(roots) != 1 or any("/" not in name for name in members):
            raise PackageProblem("the ZIP file does not hold one folder, the bag")
        self.root = roots.pop() + "/"
        self._names = [name[len(self.root) :] for name in members]

    def names(self) -> list[str]:
        return self._names

    def open(self, name: str) -> IO[bytes]:
        return self.zip.open(self.root + name)


class FolderSource(Source):
    """A package unzipped: the folder of the bag."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def names(self) -> list[str]:
        return sorted(
            str(found.relative_to(self.path)).replace("\\", "/")
            for found in self.path.rglob("*")
            if found.is_file() and "__pycache__" not in found.parts
        )

    def open(self, name: str) -> IO[bytes]:
        return (self.path / name).open("rb")


@contextmanager
def _reading(source: Source, name: str) -> Iterator[IO[bytes]]:
    """Open ``name``, naming it in any problem reading it (a damaged ZIP says so only
    as the file is read)."""
    try:
        with source.open(name) as file:
            yield file
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise PackageProblem(f"{name}: it cannot be read from the ZIP file ({error})") from error
    except KeyError as error:
        raise PackageProblem(f"{name} is missing") from error


def _sha256(source: Source, name: str) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    with _reading(source, name) as file:
        while chunk := file.read(_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def _text(source: Source, name: str) -> str:
    with _reading(source, name) as file:
        raw = file.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PackageProblem(f"{name}: it is not UTF-8 text") from error


def _json(source: Source, name: str) -> Any:
    try:
        return json.loads(_text(source, name))
    except ValueError as error:
        raise PackageProblem(f"{name}: it is not JSON ({error})") from error


def _manifest(source: Source, name: str) -> dict[str, str]:
    """Return the files a manifest lists, with their hashes."""
    listed: dict[str, str] = {}
    for number, line in enumerate(_text(source, name).splitlines(), start=1):
        digest, _, path = line.partition("  ")
        if len(digest) != 64 or not path:
            raise PackageProblem(f"{name}, line {number}: not a manifest line")
        listed[path] = digest
    return listed


def _check_listed(source: Source, manifest: str, listed: dict[str, str], files: set[str]) -> int:
    """Check the files a manifest lists against their hashes, and that ``files`` are all
    listed; return the bytes they hold."""
    if unlisted := sorted(files - listed.keys()):
        raise PackageProblem(f"{unlisted[0]} is not listed in {manifest}")
    total = 0
    for path, digest in listed.items():
        if path not in files:
            raise PackageProblem(f"{path} is listed in {manifest} but missing")
        found, size = _sha256(source, path)
        if found != digest:
            raise PackageProblem(f"{path}: its bytes are not those {manifest} lists")
        if path.startswith(MEDIA) and path[len(MEDIA) :] != found:
            raise PackageProblem(f"{path}: its bytes are not the content it is named by")
        total += size
    return total


def _bag_info(source: Source) -> dict[str, str]:
    info: dict[str, str] = {}
    for line in _text(source, "bag-info.txt").splitlines():
        label, _, value = line.partition(":")
        info[label.strip()] = value.strip()
    return info


@dataclass(frozen=True)
class Verdict:
    """What a package holds once checked."""

    events: int
    number: str
    origin: str
    signed_at: str
    key_id: str


def package_check(
    source: Source, *, public_key: bytes | None, tsa_chains: Sequence[Any] = ()
) -> Verdict:
    """Check the package in ``source``; return what it holds, or raise PackageProblem
    naming the first file that does not hold."""
    names = set(source.names())
    with _reading(source, "bagit.txt") as file:
        if file.read() != BAGIT:
            raise PackageProblem("bagit.txt: it does not declare a BagIt 1.0 bag")
    tags = {name for name in names if not name.startswith("data/")} - {TAG_MANIFEST}
    _check_listed(source, TAG_MANIFEST, _manifest(source, TAG_MANIFEST), tags)
    payload = {name for name in names if name.startswith("data/")}
    size = _check_listed(source, MANIFEST, _manifest(source, MANIFEST), payload)
    if _bag_info(source).get("Payload-Oxum") != f"{size}.{len(payload)}":
        raise PackageProblem("bag-info.txt: its Payload-Oxum is not the payload's size and count")
    key = public_key if public_key is not None else _package_key(source)
    head = _json(source, HEAD)
    built = _package_proof(source, key, head)
    events = _events_check(source, key, head)
    if events != built["events"]:
        raise PackageProblem(
            f"{EVENTS}: it holds {events} events, the log recorded {built['events']}"
        )
    _documents_check(source)
    if tsa_chains:
        for name, checked in ((HEAD, head), (PACKAGE_PROOF, built["head"])):
            if problem := timestamp_problem(checked, tsa_chains):
                raise PackageProblem(f"{name}: {problem}")
    return Verdict(events, built["number"], head["origin"], head["signed_at"], head["key_id"])


def _package_key(source: Source) -> bytes:
    try:
        return base64.b64decode(_text(source, PUBLIC_KEY).strip(), validate=True)
    except binascii.Error as error:
        raise PackageProblem(f"{PUBLIC_KEY}: not a key in base64") from error


def _package_proof(source: Source, key: bytes, head: dict[str, Any]) -> dict[str, Any]:
    """Check that the log recorded this package's manifest, in a head that extends
    ``head``; return what it recorded, with that head."""
    document = _json(source, PACKAGE_PROOF)
    try:
        inclusion, consistency = document["inclusion"], document["consistency"]
        if problem := inclusion_problem(inclusion, key):
            raise PackageProblem(f"{PACKAGE_PROOF}: {problem}")
        if inclusion["entry"]["verb"] != PACKAGE_BUILT or "event_content" not in inclusion:
            raise PackageProblem(f"{PACKAGE_PROOF}: it is not the record of a package")
        recorded = inclusion["event_content"]["data"]
        manifest, _ = _sha256(source, MANIFEST)
        if recorded["manifest"] != manifest:
            raise PackageProblem(
                f"{MANIFEST}: it is not the manifest the log recorded for this package"
            )
        if consistency["first"] != head or consistency["second"] != inclusion["head"]:
            raise PackageProblem(f"{PACKAGE_PROOF}: it does not join the package's two heads")
        if problem := consistency_problem(consistency, key):
            raise PackageProblem(f"{PACKAGE_PROOF}: {problem}")
        return {**recorded, "head": inclusion["head"]}
    except (KeyError, TypeError, ValueError) as error:
        raise PackageProblem(
            f"{PACKAGE_PROOF}: not a proof this tool can read ({error})"
        ) from error


def _lines(source: Source, name: str) -> Iterator[tuple[int, Any]]:
    with _reading(source, name) as file:
        for number, line in enumerate(file, start=1):
            try:
                yield number, json.loads(line)
            except ValueError as error:
                raise PackageProblem(f"{name}, line {number}: not JSON") from error


def _events_check(source: Source, key: bytes, head: dict[str, Any]) -> int:
    """Check each event's proof against ``head``; return how many there are."""
    if problem := head_problem(head, key):
        raise PackageProblem(f"{HEAD}: {problem}")
    count = 0
    for number, event in _lines(source, EVENTS):
        where = f"{EVENTS}, line {number}"
        try:
            problem = inclusion_problem({**event, "head": head}, key)
        except (KeyError, TypeError, ValueError) as error:
            raise PackageProblem(f"{where}: not an event this tool can read ({error})") from error
        if problem:
            raise PackageProblem(f"{where} (event {event.get('id')}): {problem}")
        count += 1
    return count


def _documents_check(source: Source) -> None:
    if DOCUMENTS not in source.names():
        return
    for number, document in _lines(source, DOCUMENTS):
        try:
            holds = hashlib.sha256(document["text"].encode()).hexdigest() == document["sha256"]
        except (KeyError, TypeError, AttributeError):
            holds = False
        if not holds:
            raise PackageProblem(f"{DOCUMENTS}, line {number}: not the content it is named by")


def main(argv: Sequence[str] | None = None) -> int:
    """Check a package; print the verdict; return 0 when it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the package (ZIP file) or its folder")
    parser.add_argument(
        "--public-key",
        help="the deployment's public key (32 bytes in base64), as it publishes it;"
        " by default the one in the package",
    )
    parser.add_argument(
        "--tsa-chain",
        type=Path,
        action="append",
        default=[],
        help="the time-stamping authority's certificate chain (PEM): the heads'"
        " time-stamps must hold too",
    )
    args = parser.parse_args(argv)
    try:
        source: Source = (
            FolderSource(args.package) if args.package.is_dir() else ZipSource(args.package)
        )
        key = base64.b64decode(args.public_key, validate=True) if args.public_key else None
        chains = _chains(args.tsa_chain)
        verdict = package_check(source, public_key=key, tsa_chains=chains)
    except PackageProblem as error:
        print(f"does not hold: {error}")
        return 1
    except (OSError, zipfile.BadZipFile, binascii.Error, ValueError) as error:
        print(f"does not hold: not a package this tool can read ({error})")
        return 1
    print(
        f"holds: {verdict.events} events of request {verdict.number}, in the log"
        f" {verdict.origin} as signed at {verdict.signed_at} with key {verdict.key_id}"
    )
    if args.public_key is None:
        print(
            "The key is the one the package carries: compare it with the key the"
            " deployment publishes (/archive/keys/), or give it with --public-key."
        )
    if not args.tsa_chain:
        print("Time-stamps not checked (give the authority's chain with --tsa-chain).")
    return 0


def _chains(paths: Sequence[Path]) -> list[Any]:
    if not paths:
        return []
    from cryptography import x509

    return [x509.load_pem_x509_certificates(path.read_bytes()) for path in paths]


if __name__ == "__main__":
    sys.exit(main())
