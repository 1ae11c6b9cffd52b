"""Serve a time-stamping authority (RFC 3161) under ``/tsa/``, as a public TSA would.

``POST /tsa/`` takes a ``TimeStampReq`` (``application/timestamp-query``) and answers a
``TimeStampResp`` (``application/timestamp-reply``): a token signed by the authority's
own certificate (ECDSA P-256, extended key usage *timeStamping*, critical), carrying the
request's message imprint and nonce, the time it was granted and the certificate it was
signed with (ESS signing-certificate-v2, RFC 5816). ``GET /tsa/chain.pem`` gives that
certificate and the root that issued it, which is what a client pins to check tokens.

The keys are made when the emulator starts and live as long as it does, so tokens from a
previous run no longer check against a new run's chain. A request this authority cannot
read, or for a hash it does not accept, is answered with status *rejection* and the
failure RFC 3161 names, as a real authority answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

# The policy this authority grants tokens under (an OID under the documentation arc).
POLICY = "1.3.6.1.4.1.55555.3161.1"
DIGESTS = {"sha256": 32, "sha384": 48, "sha512": 64}
QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"
LIFETIME = dt.timedelta(days=3650)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Network emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*granted: str) -> x509.KeyUsage:
    """Return the key usage extension that allows only ``granted``."""
    usages = (
        "digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
        "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only",
    )  # fmt: skip
    return x509.KeyUsage(**{usage: usage in granted for usage in usages})


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    """Return a certificate for ``key``: a root when ``issuer`` is None, else a
    time-stamping certificate issued by ``issuer``."""
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is None:
        builder = builder.add_extension(_key_usage("key_cert_sign", "crl_sign"), critical=True)
    else:
        builder = builder.add_extension(
            _key_usage("digital_signature", "content_commitment"), critical=True
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Authority:
    """The authority's keys and certificates, and the serial numbers it hands out."""

    root_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    serials: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.root = _certificate("Emulator TSA root", self.root_key, None, self.root_key)
        self.certificate = _certificate("Emulator TSA", self.key, self.root, self.root_key)

    def chain_pem(self) -> bytes:
        """Return the signing certificate then the root, in PEM."""
        return self.certificate.public_bytes(Encoding.PEM) + self.root.public_bytes(Encoding.PEM)

    def answer(self, query: bytes) -> bytes:
        """Return the DER ``TimeStampResp`` for a DER ``TimeStampReq``."""
        try:
            request = tsp.TimeStampReq.load(query, strict=True)
            imprint = request["message_imprint"]
            digest = imprint["hash_algorithm"]["algorithm"].native
            message = imprint["hashed_message"].native
        except ValueError:
            return _refusal("bad_request", "the request is not a TimeStampReq")
        if DIGESTS.get(digest) != len(message):
            return _refusal("bad_alg", f"{digest} is not accepted, or the hash is not one")
        policy = request["req_policy"].native
        if policy not in (None, POLICY):
            return _refusal("unaccepted_policy", f"only policy {POLICY} is granted")
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": POLICY,
                "message_imprint": imprint,
                "serial_number": next(self.serials),
                "gen_time": dt.datetime.now(dt.UTC).replace(microsecond=0),
                "accuracy": {"seconds": 1},
                "nonce": request["nonce"].native,
            }
        )
        token = self._signed(info, with_certificate=bool(request["cert_req"].native))
        return tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()

    def _signed(self, info: tsp.TSTInfo, *, with_certificate: bool) -> cms.ContentInfo:
        """Return ``info`` as a CMS SignedData signed by the authority's key."""
        content = info.dump()
        certificate = asn1_x509.Certificate.load(self.certificate.public_bytes(Encoding.DER))
        attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
                {
                    "type": "signing_certificate_v2",
                    "values": [
                        {
                            "certs": [
                                {
                                    "hash_algorithm": {"algorithm": "sha256"},
                                    "cert_hash": hashlib.sha256(certificate.dump()).digest(),
                                }
                            ]
                        }
                    ],
                },
            ]
        )
        signature = self.key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": certificate.issuer,
                            "serial_number": certificate.serial_number,
                        }
                    }
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": attributes,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                "signature": signature,
            }
        )
        signed = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(content),
                },
                "certificates": [certificate] if with_certificate else None,
                "signer_infos": [signer],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed})


class _Refusal(core.Sequence):
    """A ``TimeStampResp`` without a token (asn1crypto's own requires one, RFC 3161
    does not)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def _refusal(failure: str, text: str) -> bytes:
    """Return a ``TimeStampResp`` that refuses the request and says why."""
    return _Refusal(
        {"status": {"status": "rejection", "status_string": [text], "fail_info": {failure}}}
    ).dump()


def _authority(request: Request) -> Authority:
    authority: Authority = request.app.state.tsa
    return authority


async def stamp(request: Request) -> Response:
    """Answer a time-stamp request."""
    if request.headers.get("content-type", "").split(";")[0].strip() != QUERY:
        return Response(f"send {QUERY}", status_code=415, media_type="text/plain")
    return Response(_authority(request).answer(await request.body()), media_type=REPLY)


async def chain(request: Request) -> Response:
    """Give the authority's certificate and its root, in PEM."""
    return Response(_authority(request).chain_pem(), media_type="application/x-pem-file")


routes: list[BaseRoute] = [
    Route("/", stamp, methods=["POST"]),
    Route("/chain.pem", chain, methods=["GET"]),
]
