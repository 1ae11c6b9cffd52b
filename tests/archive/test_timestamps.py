"""Time-stamps of signed heads from an RFC 3161 authority (the emulator's): asked for
once a head is signed, kept only when they hold against the authority's pinned chain,
checked offline with the chain alone, and named by ``archive_verify`` when changed;
an authority that cannot stamp leaves the head for the next run."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import suppress
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from accounts.models import Agency, Role
from archive import proofs
from archive.errors import ArchiveError
from archive.models import ArchiveEvent, ArchiveHead, ArchiveTimestamp
from archive.selectors import inclusion_document
from archive.services import head_sign, heads_timestamp
from archive.signing import public_key_text, signing_key
from archive.tasks import heads_timestamp_agency
from emulator.tsa import Authority
from govsocial.celery import app
from govsocial.tenancy import agency_scope
from tests.archive.conftest import as_owner
from tests.emulator_client import Emulator
from tests.factories import api_key_for

PUBLIC_KEY = public_key_text(signing_key().public_key())


@pytest.fixture
def agency(
    committed_agency: Callable[[int], Agency], django_db_blocker: pytest.FixtureRequest
) -> Iterator[Agency]:
    """An agency of three placed events, and tests that may use the database."""
    made = committed_agency(3)
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield made


@pytest.fixture
def chain(emulator: Emulator, tmp_path: Path, settings: pytest.FixtureRequest) -> Path:
    """Configure the emulator's authority, as an operator names one; return its chain."""
    path = tmp_path / "tsa-chain.pem"
    path.write_bytes(emulator.http.get("/tsa/chain.pem").content)
    settings.ARCHIVE_TIMESTAMP_URL = emulator.url("/tsa/")  # type: ignore[attr-defined]
    settings.ARCHIVE_TIMESTAMP_CHAIN = str(path)  # type: ignore[attr-defined]
    return path


def signed(agency: Agency) -> ArchiveHead:
    with agency_scope(agency.pk), transaction.atomic():
        return head_sign(agency_id=agency.pk)


def stamped(agency: Agency) -> int:
    with agency_scope(agency.pk):
        return heads_timestamp()


def first_event(agency: Agency) -> ArchiveEvent:
    with agency_scope(agency.pk):
        return ArchiveEvent.objects.filter(verb="test.step").order_by("id")[0]


def verify(agency: Agency) -> str:
    out = StringIO()
    with suppress(CommandError):
        call_command("archive_verify", agency=agency.slug, stdout=out)
    return out.getvalue()


def test_a_head_signed_through_the_api_is_stamped_once_committed_and_holds_offline(
    agency: Agency, chain: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _key, token = api_key_for(agency, Role.RECORDS_OFFICER)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    # The commit queues the stamping; run here what a worker runs.
    app.conf.task_always_eager = True
    try:
        head = client.post(f"/api/agencies/{agency.slug}/archive/heads/").json()
    finally:
        app.conf.task_always_eager = False
    listed = client.get(f"/api/agencies/{agency.slug}/archive/heads/").json()["results"]

    assert listed[0]["id"] == head["id"]
    stamp = listed[0]["timestamp"]
    assert stamp["authority"].endswith("/tsa/") and stamp["stamped_at"] >= head["signed_at"][:19]
    certificates = x509.load_pem_x509_certificates(chain.read_bytes())
    assert proofs.timestamp_problem(listed[0], [certificates]) == ""
    with agency_scope(agency.pk):
        signed_head = ArchiveHead.objects.get(pk=head["id"])
        document = inclusion_document(event=first_event(agency), head=signed_head)
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(document))
    checked = proofs.main([str(proof), "--public-key", PUBLIC_KEY, "--tsa-chain", str(chain)])
    assert (checked, capsys.readouterr().out) == (0, "holds\n")

    # Another authority's chain, even one of the same shape, does not vouch for it.
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(Authority().chain_pem())
    refused = proofs.main([str(proof), "--public-key", PUBLIC_KEY, "--tsa-chain", str(stranger)])
    assert refused == 1
    assert "does not hold: the head's time-stamp does not hold" in capsys.readouterr().out
    # Given every chain the authority used, one of them vouches for it.
    either = ["--tsa-chain", str(stranger), "--tsa-chain", str(chain)]
    assert proofs.main([str(proof), "--public-key", PUBLIC_KEY, *either]) == 0


def test_each_head_is_stamped_once_however_often_the_stamping_runs(
    agency: Agency, chain: Path
) -> None:
    first, second = signed(agency), signed(agency)

    assert stamped(agency) == 2
    assert stamped(agency) == 0
    with agency_scope(agency.pk):
        assert ArchiveTimestamp.objects.filter(head__in=[first, second]).count() == 2
    assert "matching its 2 signed heads (2 time-stamped)" in verify(agency)


def test_a_head_the_authority_cannot_stamp_waits_for_the_next_run(
    agency: Agency,
    chain: Path,
    emulator: Emulator,
    settings: pytest.FixtureRequest,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    signed(agency)
    settings.ARCHIVE_TIMESTAMP_URL = emulator.url("/no-authority-here/")  # type: ignore[attr-defined]
    with pytest.raises(ArchiveError, match="did not answer"):
        stamped(agency)
    # An authority whose tokens are not signed by the pinned certificate is not trusted.
    settings.ARCHIVE_TIMESTAMP_URL = emulator.url("/tsa/")  # type: ignore[attr-defined]
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(Authority().chain_pem())
    settings.ARCHIVE_TIMESTAMP_CHAIN = str(stranger)  # type: ignore[attr-defined]
    with pytest.raises(ArchiveError, match="the time-stamp does not hold"):
        stamped(agency)
    with caplog.at_level(logging.WARNING, logger="govsocial.archive"):
        heads_timestamp_agency(agency_id=agency.pk)
    assert f"heads of agency {agency.pk} not time-stamped" in caplog.text

    settings.ARCHIVE_TIMESTAMP_CHAIN = str(chain)  # type: ignore[attr-defined]
    assert stamped(agency) == 1


def test_a_stamp_changed_behind_the_applications_back_is_named(agency: Agency, chain: Path) -> None:
    first, second = signed(agency), signed(agency)
    stamped(agency)
    assert "matching its 2 signed heads (2 time-stamped)" in verify(agency)

    with as_owner(agency) as owner:
        owner.execute("ALTER TABLE archive_archivetimestamp DISABLE TRIGGER USER")
        try:
            owner.execute(
                "UPDATE archive_archivetimestamp SET response ="
                " (SELECT response FROM archive_archivetimestamp WHERE head_id = %s)"
                " WHERE head_id = %s",
                [second.pk, first.pk],
            )
        finally:
            owner.execute("ALTER TABLE archive_archivetimestamp ENABLE TRIGGER USER")

    report = verify(agency)
    assert "does not match its head signed at" in report
    assert "the head's time-stamp does not hold (the token is not over this message)" in report


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE archive_archivetimestamp SET stamped_at = now()",
        "DELETE FROM archive_archivetimestamp",
        "TRUNCATE archive_archivetimestamp",
    ],
)
def test_the_owner_cannot_change_a_stamp(agency: Agency, chain: Path, statement: str) -> None:
    signed(agency)
    stamped(agency)
    with (
        as_owner(agency) as owner,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
    ):
        owner.execute(statement)  # type: ignore[arg-type]


def test_heads_stamped_before_the_authority_changed_certificate_still_check(
    agency: Agency, chain: Path, tmp_path: Path, settings: pytest.FixtureRequest
) -> None:
    for _ in range(2):
        signed(agency)
    stamped(agency)
    renewed = tmp_path / "renewed.pem"
    renewed.write_bytes(Authority().chain_pem())
    settings.ARCHIVE_TIMESTAMP_CHAIN = str(renewed)  # type: ignore[attr-defined]

    assert "the head's time-stamp does not hold" in verify(agency)
    settings.ARCHIVE_TIMESTAMP_RETIRED_CHAINS = [str(chain)]  # type: ignore[attr-defined]
    assert "matching its 2 signed heads (2 time-stamped)" in verify(agency)
