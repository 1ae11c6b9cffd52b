"""The emulator's time-stamping authority answers as RFC 3161 says: a token over the
request's imprint and nonce, signed by the certificate of its published chain; a
refusal, with the failure named, for what it cannot stamp."""

from __future__ import annotations

import hashlib

import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import (
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from tests.emulator_client import Emulator

QUERY = {"Content-Type": "application/timestamp-query"}


def stamp(emulator: Emulator, query: bytes) -> TimeStampResponse:
    answer = emulator.http.post("/tsa/", content=query, headers=QUERY)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/timestamp-reply"
    return decode_timestamp_response(answer.content)


def test_a_token_holds_against_the_published_chain_for_that_message_only(
    emulator: Emulator,
) -> None:
    signer, root = x509.load_pem_x509_certificates(emulator.http.get("/tsa/chain.pem").content)
    request = (
        TimestampRequestBuilder().data(b"a head").nonce(nonce=True).cert_request(cert_request=True)
    ).build()
    first = stamp(emulator, request.as_bytes())
    second = stamp(emulator, request.as_bytes())
    verifier = VerifierBuilder.from_request(request).tsa_certificate(signer)
    checked = verifier.add_root_certificate(root).build()

    assert checked.verify_message(first, b"a head")
    assert first.tst_info.nonce == request.nonce
    assert first.signed_data.certificates == {signer.public_bytes(Encoding.DER)}
    assert second.tst_info.serial_number == first.tst_info.serial_number + 1
    with pytest.raises(VerificationError, match="Mismatch between messages"):
        checked.verify_message(first, b"another head")


def test_a_token_carries_the_certificate_only_when_asked(emulator: Emulator) -> None:
    request = TimestampRequestBuilder().data(b"a head").cert_request(cert_request=False).build()
    answer = stamp(emulator, request.as_bytes())
    assert answer.status == PKIStatus.GRANTED and answer.signed_data.certificates == set()


@pytest.mark.parametrize(
    ("query", "failure"),
    [
        (b"not a request", "the request is not a TimeStampReq"),
        (
            tsp.TimeStampReq(
                {
                    "version": "v1",
                    "message_imprint": {
                        "hash_algorithm": {"algorithm": "sha1"},
                        "hashed_message": hashlib.sha1(b"a head").digest(),  # noqa: S324
                    },
                }
            ).dump(),
            "sha1 is not accepted",
        ),
        (
            tsp.TimeStampReq(
                {
                    "version": "v1",
                    "message_imprint": {
                        "hash_algorithm": {"algorithm": "sha256"},
                        "hashed_message": hashlib.sha256(b"a head").digest(),
                    },
                    "req_policy": "1.2.3.4",
                }
            ).dump(),
            "only policy",
        ),
    ],
)
def test_what_it_cannot_stamp_is_refused_with_the_reason(
    emulator: Emulator, query: bytes, failure: str
) -> None:
    answer = stamp(emulator, query)
    assert answer.status == PKIStatus.REJECTION
    assert failure in answer.status_string[0]


def test_a_request_of_another_media_type_is_refused(emulator: Emulator) -> None:
    assert emulator.http.post("/tsa/", content=b"a head").status_code == 415
