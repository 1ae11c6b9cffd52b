"""Time-stamp tokens checked with the standard library and ``cryptography`` alone (what
the verifier inside a records package carries): a token of the pinned authority over
the message holds; another message, another nonce, another authority, a certificate
not for time-stamping or no longer valid, or damaged bytes each say why not."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from rfc3161_client import TimestampRequestBuilder

from archive.rfc3161 import TokenProblem, token_check, token_of
from emulator.tsa import Authority

MESSAGE = b"the signature of a head"


def stamped(authority: Authority, message: bytes = MESSAGE) -> tuple[bytes, int]:
    """Ask ``authority`` to stamp ``message``; return its answer and the nonce."""
    request = TimestampRequestBuilder().data(message).nonce(nonce=True).build()
    return authority.answer(request.as_bytes()), request.nonce


def chain_of(authority: Authority) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(authority.chain_pem())


def test_a_token_of_the_pinned_authority_over_the_message_holds() -> None:
    authority = Authority()
    answer, nonce = stamped(authority)
    found = token_check(answer, MESSAGE, chain_of(authority), nonce=nonce)
    assert found.nonce == nonce
    assert abs(found.gen_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    # The token alone (as a response carries it) holds the same.
    assert token_check(token_of(answer), MESSAGE, chain_of(authority)).gen_time == found.gen_time


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("message", "not over this message"),
        ("nonce", "does not answer this request's nonce"),
        ("authority", "not signed by the authority's certificate"),
        ("root", "does not lead from the authority to its root"),
        ("signature", "not signed by the authority's certificate"),
        ("truncated", "ends too early"),
    ],
)
def test_a_token_that_does_not_hold_says_why(change: str, problem: str) -> None:
    authority = Authority()
    answer, nonce = stamped(authority)
    message, chain = MESSAGE, chain_of(authority)
    if change == "message":
        message = b"another head"
    elif change == "nonce":
        nonce += 1
    elif change == "authority":
        chain = chain_of(Authority())
    elif change == "root":
        chain = [chain[0], chain_of(Authority())[1]]
    elif change == "signature":
        answer = answer[:-1] + bytes([answer[-1] ^ 1])
    else:
        answer = answer[:-10]
    with pytest.raises(TokenProblem, match=problem):
        token_check(answer, message, chain, nonce=nonce)


def test_a_refusal_is_not_a_token() -> None:
    with pytest.raises(TokenProblem, match="refused"):
        token_of(Authority().answer(b"not a request"))
