"""Time-stamps of signed heads from an RFC 3161 time-stamping authority.

When ``ARCHIVE_TIMESTAMP_URL`` names an authority, every head is sent to it once signed
(the SHA-256 of the head's signature, with a nonce), and its answer is kept only if it
holds against the authority's certificate chain (``ARCHIVE_TIMESTAMP_CHAIN``, a PEM
file: the authority's certificate first, its root last; the chains of certificates it
signed with before in ``ARCHIVE_TIMESTAMP_RETIRED_CHAINS``): a third party then vouches
that the head, and so the whole log it signs, existed by that time. The chain is pinned
rather than trusted through any root, so a token signed by another certificate, even
one that root issued, does not hold. ``archive.rfc3161`` checks tokens, here when they
come and offline (``archive.proofs.timestamp_problem``) alike.
"""

from __future__ import annotations

import datetime as dt

import httpx
from cryptography import x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    decode_timestamp_response,
)

from archive.errors import ArchiveError
from archive.rfc3161 import TokenProblem, token_check

QUERY = "application/timestamp-query"


def configured() -> bool:
    """Return whether heads are to be time-stamped."""
    return bool(settings.ARCHIVE_TIMESTAMP_URL)


def chains() -> list[list[x509.Certificate]]:
    """Return the authority's certificate chains: the one it signs with now
    (``ARCHIVE_TIMESTAMP_CHAIN``), then those it signed with before
    (``ARCHIVE_TIMESTAMP_RETIRED_CHAINS``); refuse a configuration that names none or
    one that cannot be read."""
    paths = [settings.ARCHIVE_TIMESTAMP_CHAIN, *settings.ARCHIVE_TIMESTAMP_RETIRED_CHAINS]
    if not paths[0]:
        raise ImproperlyConfigured("ARCHIVE_TIMESTAMP_CHAIN must name the authority's chain.")
    return [_chain(path) for path in paths]


def _chain(path: str) -> list[x509.Certificate]:
    try:
        with open(path, "rb") as pem:
            return x509.load_pem_x509_certificates(pem.read())
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(
            f"{path} is not a PEM file of the authority's certificate chain ({error})."
        ) from error


def stamp(message: bytes) -> tuple[bytes, dt.datetime]:
    """Return the authority's answer over ``message`` (DER) and the time it vouches
    for, once checked; raise ArchiveError when it cannot be had or does not hold."""
    certificates = chains()[0]
    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    try:
        answer = httpx.post(
            settings.ARCHIVE_TIMESTAMP_URL,
            content=request.as_bytes(),
            headers={"Content-Type": QUERY},
            timeout=settings.NETWORK_TIMEOUT_SECONDS,
        )
        answer.raise_for_status()
        response = decode_timestamp_response(answer.content)
    except (httpx.HTTPError, ValueError) as error:
        raise ArchiveError(f"the time-stamping authority did not answer ({error})") from error
    if response.status != PKIStatus.GRANTED:
        reasons = "; ".join(response.status_string) or f"status {response.status}"
        raise ArchiveError(f"the time-stamping authority refused ({reasons})")
    try:
        found = token_check(answer.content, message, certificates, nonce=request.nonce)
    except TokenProblem as error:
        raise ArchiveError(f"the time-stamp does not hold ({error})") from error
    return answer.content, found.gen_time
