"""Checking an RFC 3161 time-stamp token with Python's standard library and
``cryptography`` alone, so that the verifier inside a records package checks the heads'
time-stamps too (``archive.package_check``), and the server checks them the same way.

A token holds (RFC 3161 §2.4.2, RFC 5652): the authority's statement (``TSTInfo``) that
a message's hash existed at ``genTime``, signed over attributes that name the statement's
own hash. It holds for a message when the statement's hash is the message's, the
attributes' digest is the statement's, the signature over the attributes is the
authority's pinned certificate's, that certificate is for time-stamping, each
certificate of the chain was issued by the next up to its self-signed root, and every
one of them was valid at ``genTime``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

SIGNED_DATA = "1.2.840.113549.1.7.2"
TST_INFO = "1.2.840.113549.1.9.16.1.4"
CONTENT_TYPE = "1.2.840.113549.1.9.3"
MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
DIGESTS = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
# Signature algorithms: ECDSA with a hash, RSA PKCS #1 v1.5 with a hash, or the key's
# own algorithm with the signer's digest algorithm.
SIGNATURES = {
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
    "1.2.840.10045.2.1": "",
    "1.2.840.113549.1.1.1": "",
}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class TokenProblem(ValueError):
    """Why a time-stamp token does not hold."""


@dataclass(frozen=True)
class _Node:
    """One DER element: its tag, its content, and its bytes whole."""

    tag: int
    content: bytes
    whole: bytes

    def children(self) -> list[_Node]:
        nodes, at = [], 0
        while at < len(self.content):
            node, at = _element(self.content, at)
            nodes.append(node)
        return nodes


def _element(data: bytes, at: int) -> tuple[_Node, int]:
    """Return the DER element that starts at ``at`` and where the next one starts."""
    try:
        tag, length, start = data[at], data[at + 1], at + 2
        if tag & 0x1F == 0x1F:
            raise TokenProblem("a tag of more than one byte")
        if length & 0x80:
            count = length & 0x7F
            if not 0 < count <= 4:
                raise TokenProblem("a length this checker does not read")
            length = int.from_bytes(data[start : start + count], "big")
            start += count
    except IndexError as error:
        raise TokenProblem("the token ends too early") from error
    end = start + length
    if end > len(data):
        raise TokenProblem("the token ends too early")
    return _Node(tag, data[start:end], data[at:end]), end


def _parse(data: bytes) -> _Node:
    node, end = _element(data, 0)
    if end != len(data):
        raise TokenProblem("bytes follow the token")
    return node


def _oid(node: _Node) -> str:
    if node.tag != 0x06 or not node.content:
        raise TokenProblem("an object identifier was expected")
    first, *rest = node.content
    parts, value = [min(first // 40, 2), first - 40 * min(first // 40, 2)], 0
    for byte in rest:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(part) for part in parts)


def _expect(node: _Node, tag: int, what: str) -> _Node:
    if node.tag != tag:
        raise TokenProblem(f"{what} was expected")
    return node


def _time(node: _Node) -> dt.datetime:
    """Return a GeneralizedTime (``YYYYMMDDHHMMSS[.f]Z``) as an aware UTC datetime."""
    text = _expect(node, 0x18, "a time").content.decode("ascii")
    if not text.endswith("Z"):
        raise TokenProblem("the token's time is not in UTC")
    whole, _, fraction = text[:-1].partition(".")
    moment = dt.datetime.strptime(whole, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    return moment + dt.timedelta(microseconds=round(float(f"0.{fraction or 0}") * 1_000_000))


@dataclass(frozen=True)
class Stamp:
    """What a token that holds vouches for: the time, and the nonce it answers."""

    gen_time: dt.datetime
    nonce: int | None


def token_of(response: bytes) -> bytes:
    """Return the token of a ``TimeStampResp`` that granted one; raise TokenProblem
    naming the authority's refusal otherwise."""
    answer = _expect(_parse(response), 0x30, "a time-stamp response").children()
    status = _expect(answer[0], 0x30, "a status").children()
    granted = int.from_bytes(_expect(status[0], 0x02, "a status").content, "big")
    if granted not in (0, 1) or len(answer) < 2:
        raise TokenProblem(f"the authority refused (status {granted})")
    return answer[1].whole


def token_check(
    token: bytes,
    message: bytes,
    chain: Sequence[x509.Certificate],
    *,
    nonce: int | None = None,
) -> Stamp:
    """Check that ``token`` (DER, a ``TimeStampToken`` or a whole ``TimeStampResp``)
    holds for ``message`` against ``chain`` (the authority's certificate first, its root
    last), answering ``nonce`` when given; return what it vouches for."""
    root = _parse(token)
    if root.children() and root.children()[0].tag == 0x30:
        root = _parse(token_of(token))
    info, signed = _content(root)
    statement = _expect(_parse(info), 0x30, "a statement").children()
    imprint = _expect(statement[2], 0x30, "a message imprint").children()
    algorithm = DIGESTS.get(_oid(imprint[0].children()[0]))
    if algorithm is None:
        raise TokenProblem("the token's message hash is of an algorithm this checker does not know")
    if _expect(imprint[1], 0x04, "a hash").content != hashlib.new(algorithm, message).digest():
        raise TokenProblem("the token is not over this message")
    gen_time = _time(statement[4])
    said_nonce = next(
        (
            int.from_bytes(node.content, "big", signed=True)
            for node in statement[5:]
            if node.tag == 0x02
        ),
        None,
    )
    if nonce is not None and said_nonce != nonce:
        raise TokenProblem("the token does not answer this request's nonce")
    _signer_check(signed, info, chain[0])
    _chain_check(chain, gen_time)
    return Stamp(gen_time, said_nonce)


def _content(root: _Node) -> tuple[bytes, _Node]:
    """Return the statement a token carries and its signer's information."""
    info = _expect(root, 0x30, "a token").children()
    if _oid(info[0]) != SIGNED_DATA:
        raise TokenProblem("the token is not signed data")
    signed_data = _expect(_expect(info[1], 0xA0, "signed data").children()[0], 0x30, "signed data")
    parts = signed_data.children()
    encapsulated = _expect(parts[2], 0x30, "the signed content").children()
    if _oid(encapsulated[0]) != TST_INFO:
        raise TokenProblem("the token does not carry a time-stamp statement")
    statement = _expect(encapsulated[1], 0xA0, "the statement").children()[0]
    signers = _expect(parts[-1], 0x31, "the signers").children()
    if len(signers) != 1:
        raise TokenProblem("the token has other than one signer")
    return _expect(statement, 0x04, "the statement").content, signers[0]


def _signer_check(signer: _Node, info: bytes, certificate: x509.Certificate) -> None:
    """Check that the signer's attributes name the statement's hash and that the pinned
    certificate's key signed them."""
    parts = signer.children()
    digest = DIGESTS.get(_oid(parts[2].children()[0]))
    attributes = _expect(parts[3], 0xA0, "signed attributes")
    signature_algorithm = _oid(parts[4].children()[0])
    signature = _expect(parts[5], 0x04, "a signature").content
    if digest is None or signature_algorithm not in SIGNATURES:
        raise TokenProblem("the token is signed with an algorithm this checker does not know")
    said = {
        _oid(attribute.children()[0]): attribute.children()[1]
        for attribute in attributes.children()
    }
    if CONTENT_TYPE not in said or _oid(said[CONTENT_TYPE].children()[0]) != TST_INFO:
        raise TokenProblem("the signed attributes do not name a time-stamp statement")
    if (
        MESSAGE_DIGEST not in said
        or said[MESSAGE_DIGEST].children()[0].content != hashlib.new(digest, info).digest()
    ):
        raise TokenProblem("the signed attributes do not hold the statement's hash")
    # The signature covers the attributes as a SET, not as their implicit tag.
    signed_bytes = b"\x31" + attributes.whole[1:]
    algorithm = _HASHES[SIGNATURES[signature_algorithm] or digest]()
    key = certificate.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(algorithm))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed_bytes, padding.PKCS1v15(), algorithm)
        else:
            raise TokenProblem("the authority's key is of a kind this checker does not know")
    except InvalidSignature as error:
        raise TokenProblem("the token is not signed by the authority's certificate") from error


def _chain_check(chain: Sequence[x509.Certificate], moment: dt.datetime) -> None:
    """Check the authority's chain: for time-stamping, each issued by the next, the
    last by itself, all valid at ``moment``."""
    try:
        usage = chain[0].extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound as error:
        raise TokenProblem("the authority's certificate is not for time-stamping") from error
    if ExtendedKeyUsageOID.TIME_STAMPING not in usage.value:
        raise TokenProblem("the authority's certificate is not for time-stamping")
    for certificate, issuer in zip(chain, [*chain[1:], chain[-1]], strict=True):
        if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
            raise TokenProblem("a certificate of the chain was not valid at the token's time")
        try:
            certificate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as error:
            raise TokenProblem("the chain does not lead from the authority to its root") from error
