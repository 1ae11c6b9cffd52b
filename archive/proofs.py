"""Proofs as documents anyone can check offline, with the deployment's public key and
nothing of govsocial but this module, ``archive.entries``, ``archive.merkle`` and
``archive.rfc3161``: no Django, no database, nothing beyond ``cryptography``.
``python -m archive.proofs PROOF.json --public-key KEY`` says whether a proof holds,
and why not.

A signed head, as the API and export packages give it::

    {"origin": …, "size": 11, "root": base64, "signed_at": "2026-12-03T10:00:00.000000Z",
     "key_id": hex, "signature": base64,
     "timestamp": {"authority": url, "stamped_at": "…Z", "response": base64}}

where ``timestamp``, present once a time-stamping authority stamped the head, is the
authority's RFC 3161 answer over the head's signature (its SHA-256). With
``--tsa-chain CHAIN.pem`` (the authority's certificate, then those that issued it up
to its root; once per certificate the authority used) every head of the proof must carry
a time-stamp that holds against one of them.

An inclusion proof: ``{"head": head, "position": 6, "entry": {…}, "proof": [base64, …]}``,
where ``entry`` is the event's log entry (its facts and ``content``, the commitment to
its content; see ``archive.entries``), optionally with ``"event_content"`` (the content
and its ``salt``) to check the commitment too. A consistency proof: ``{"first": head,
"second": head, "proof": [base64, …]}``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from archive import merkle
from archive.entries import canonical, commitment, utc_text
from archive.rfc3161 import token_check


def checkpoint(*, origin: str, size: int, root: bytes, signed_at: str) -> bytes:
    """Return the text a head's signature covers: origin, size, root in base64 and the
    time it was signed (UTC, ISO 8601 with microseconds), a line each."""
    root_text = base64.b64encode(root).decode("ascii")
    return f"{origin}\n{size}\n{root_text}\n{signed_at}\n".encode()


def key_id(public_key: bytes) -> str:
    """Return the name of a 32-byte public key: its SHA-256's first 8 bytes, in hex."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def head_problem(head: Mapping[str, Any], public_key: bytes) -> str:
    """Return why ``head`` is not signed by ``public_key``, or ""."""
    if head.get("key_id") != key_id(public_key):
        return "the head names another key"
    try:
        message = checkpoint(
            origin=head["origin"],
            size=head["size"],
            root=_decoded(head["root"]),
            signed_at=head["signed_at"],
        )
        Ed25519PublicKey.from_public_bytes(public_key).verify(_decoded(head["signature"]), message)
    except (KeyError, TypeError, ValueError, InvalidSignature):
        return "the head's signature does not hold"
    return ""


def timestamp_problem(head: Mapping[str, Any], chains: Sequence[Sequence[x509.Certificate]]) -> str:
    """Return why ``head`` carries no time-stamp that holds against one of ``chains``
    (each the authority's certificate, then those that issued it up to the root: an
    authority that changed certificate has a chain per certificate), or ""."""
    stamp = head.get("timestamp")
    if not stamp:
        return "the head has no time-stamp"
    problem = "no certificate chain of the authority is given"
    for chain in chains:
        try:
            found = token_check(_decoded(stamp["response"]), _decoded(head["signature"]), chain)
        except (KeyError, TypeError, ValueError) as error:
            problem = f"the head's time-stamp does not hold ({error})"
            continue
        if utc_text(found.gen_time) != stamp.get("stamped_at"):
            return "the head's time-stamp is not of the time it shows"
        return ""
    return problem


def inclusion_problem(document: Mapping[str, Any], public_key: bytes) -> str:
    """Return why the inclusion proof ``document`` does not hold, or ""."""
    head = document["head"]
    if problem := head_problem(head, public_key):
        return problem
    entry = document["entry"]
    shown = document.get("event_content")
    if shown is not None and commitment(shown, salt=shown["salt"]) != entry["content"]:
        return "the event's content is not the one its entry commits to"
    holds = merkle.inclusion_verify(
        index=document["position"],
        size=head["size"],
        leaf=merkle.leaf_hash(canonical(entry)),
        proof=_hashes(document["proof"]),
        root=_decoded(head["root"]),
    )
    return "" if holds else "the event is not at that position of the signed log"


def consistency_problem(document: Mapping[str, Any], public_key: bytes) -> str:
    """Return why the consistency proof ``document`` does not hold, or ""."""
    first, second = document["first"], document["second"]
    if first.get("origin") != second.get("origin"):
        return "the heads are of different logs"
    if problem := head_problem(first, public_key) or head_problem(second, public_key):
        return problem
    holds = merkle.consistency_verify(
        first=first["size"],
        second=second["size"],
        first_root=_decoded(first["root"]),
        second_root=_decoded(second["root"]),
        proof=_hashes(document["proof"]),
    )
    return "" if holds else "the later head does not extend the earlier one"


def _decoded(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _hashes(texts: Sequence[str]) -> list[bytes]:
    return [_decoded(text) for text in texts]


def main(argv: Sequence[str] | None = None) -> int:
    """Check a proof document; print the verdict; return 0 when it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("proof", type=Path, help="an inclusion or consistency proof (JSON)")
    parser.add_argument(
        "--public-key", required=True, help="the deployment's public key (32 bytes in base64)"
    )
    parser.add_argument(
        "--tsa-chain",
        type=Path,
        action="append",
        help="the time-stamping authority's certificate chain (PEM): its heads' time-stamps"
        " must hold too",
    )
    args = parser.parse_args(argv)
    try:
        document = json.loads(args.proof.read_text(encoding="utf-8"))
        public_key = _decoded(args.public_key)
        check = inclusion_problem if "entry" in document else consistency_problem
        problem = check(document, public_key)
        if args.tsa_chain and not problem:
            chains = [x509.load_pem_x509_certificates(path.read_bytes()) for path in args.tsa_chain]
            heads = (
                [document["head"]]
                if "entry" in document
                else [document["first"], document["second"]]
            )
            problem = next(filter(None, (timestamp_problem(head, chains) for head in heads)), "")
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as error:
        problem = f"not a proof this tool can read ({error})"
    if problem:
        print(f"does not hold: {problem}")
        return 1
    print("holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
