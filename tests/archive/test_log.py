"""The log: recording takes no lock, the sequencer places committed events in the order of
their transactions, and any event is proven in a signed head, and any head in a later
one, with nothing but the proof and the deployment's public key."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection, transaction

import archive
from accounts.models import Agency
from archive import merkle
from archive.entries import FACT_FIELDS, event_leaf
from archive.models import ArchiveEvent, ArchiveHead, ArchiveLeaf
from archive.selectors import (
    consistency_document,
    consistency_proof,
    inclusion_document,
    inclusion_proof,
    log_end,
)
from archive.sequencer import Sequencer
from archive.services import SYSTEM, earlier_transactions_wait, head_sign
from archive.signing import (
    checkpoint,
    public_key_text,
    public_keys,
    signature_valid,
    signing_key,
)
from govsocial.tenancy import agency_scope
from tests.archive.conftest import OTHERS_WITHIN, all_placed, placed
from tests.delivery_processes import wait_for

ROOT = Path(__file__).resolve().parents[2]
# Generous, for a loaded machine: each wait ends as soon as what it waits for happens.
DEADLINE = 60.0


@pytest.fixture
def agency(new_agency: Agency) -> Agency:
    return new_agency


def record(agency: Agency, verb: str) -> ArchiveEvent:
    """Record one event of ``agency`` in a transaction of its own, and commit it."""
    with agency_scope(agency.pk), transaction.atomic():
        return archive.record(agency=agency, actor=SYSTEM, verb=verb)


def log_verbs(agency: Agency) -> list[str]:
    """Return the verbs of the agency's log, in its order."""
    with agency_scope(agency.pk):
        leaves = ArchiveLeaf.objects.order_by("position").values_list("event_id", flat=True)
        verbs = dict(ArchiveEvent.objects.values_list("id", "verb"))
        return [verbs[event_id] for event_id in leaves]


class OpenTransaction:
    """Record an event on a connection of its own, in a transaction kept open until
    ``commit``, as a slow request would."""

    def __init__(self, agency: Agency, verb: str) -> None:
        self.recorded = threading.Event()
        self.release = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(agency, verb))
        self.thread.start()

    def _run(self, agency: Agency, verb: str) -> None:
        try:
            with agency_scope(agency.pk), transaction.atomic():
                archive.record(agency=agency, actor=SYSTEM, verb=verb)
                self.recorded.set()
                self.release.wait(DEADLINE)
        except BaseException as error:
            self.failure = error
            self.recorded.set()
        finally:
            connection.close()

    def commit(self) -> None:
        self.release.set()
        self.thread.join(DEADLINE)
        assert self.failure is None, self.failure


def test_committed_events_are_placed_by_the_sequencer_and_their_tree_is_rebuilt_alike(
    agency: Agency,
) -> None:
    events = [record(agency, f"test.{n}") for n in range(7)]

    earlier_transactions_wait(within=OTHERS_WITHIN)
    Sequencer().pass_once()

    assert log_verbs(agency) == [f"test.{n}" for n in range(7)]
    with agency_scope(agency.pk):
        size, root = log_end()
    rebuilt = merkle.Frontier()
    for event in events:
        fields = {name: getattr(event, name) for name in FACT_FIELDS}
        rebuilt.append(bytes.fromhex(event_leaf(fields, commitment=event.commitment)))
    assert (size, root) == (7, rebuilt.root())
    assert placed(agency) == 0, "each event is placed once"


def test_writers_of_one_agency_do_not_wait_for_each_other(agency: Agency) -> None:
    first = OpenTransaction(agency, "test.first")
    second = OpenTransaction(agency, "test.second")
    try:
        # Both have recorded while both transactions are open: neither waited.
        assert first.recorded.wait(DEADLINE) and second.recorded.wait(DEADLINE)
        assert first.failure is None and second.failure is None
    finally:
        second.commit()
        first.commit()
    assert all_placed(agency) == 2


def test_an_event_waits_for_transactions_begun_before_its_own_and_follows_them(
    agency: Agency,
) -> None:
    slow = OpenTransaction(agency, "test.begun_first")
    assert slow.recorded.wait(DEADLINE)
    try:
        record(agency, "test.committed_first")
        assert placed(agency) == 0, "an earlier transaction may still commit"
    finally:
        slow.commit()

    assert all_placed(agency) == 2
    assert log_verbs(agency) == ["test.begun_first", "test.committed_first"]


def test_a_sequencer_leaves_an_agency_to_the_one_placing_its_events(agency: Agency) -> None:
    record(agency, "test.one")
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=False) as other:
        # Another sequencer is in the middle of placing this agency's events.
        other.execute("SELECT pg_advisory_xact_lock(7301, %s)", [agency.pk])
        assert placed(agency) == 0
    assert all_placed(agency) == 1


def test_a_head_signed_while_the_sequencer_places_events_holds_them(agency: Agency) -> None:
    record(agency, "test.one")
    earlier_transactions_wait(within=OTHERS_WITHIN)
    signed: list[ArchiveHead] = []

    def sign() -> None:
        try:
            with agency_scope(agency.pk), transaction.atomic():
                signed.append(head_sign(agency_id=agency.pk))
        finally:
            connection.close()

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=False) as other:
        # The sequencer is in the middle of placing this agency's events.
        other.execute("SELECT pg_advisory_xact_lock(7301, %s)", [agency.pk])
        signer = threading.Thread(target=sign)
        signer.start()
        waiting = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 7301"
            " AND objid = %s AND NOT granted"
        )
        wait_for(
            lambda: other.execute(waiting, [agency.pk]).fetchone() == (1,),
            timeout=DEADLINE,
            what="the head waiting for the sequencer",
            state=lambda: f"signed {[head.size for head in signed]}",
        )
    signer.join(DEADLINE)

    assert [head.size for head in signed] == [1]


def test_an_event_is_proven_in_a_signed_head_and_that_head_in_a_later_one(
    agency: Agency,
) -> None:
    events = [record(agency, f"test.{n}") for n in range(11)]
    with agency_scope(agency.pk), transaction.atomic():
        earlier = head_sign(agency_id=agency.pk)
    for n in range(11, 20):
        record(agency, f"test.{n}")
    with agency_scope(agency.pk), transaction.atomic():
        later = head_sign(agency_id=agency.pk)
        leaf = ArchiveLeaf.objects.get(event_id=events[6].pk)
        inclusion = inclusion_proof(position=leaf.position, size=earlier.size)
        consistency = consistency_proof(first=earlier.size, second=later.size)
    keys = public_keys()

    def genuine(head: ArchiveHead) -> bool:
        message = checkpoint(
            origin=head.origin,
            size=head.size,
            root=bytes.fromhex(head.root),
            signed_at=head.signed_at,
        )
        return signature_valid(message, key=keys[head.key_id], signature=head.signature)

    assert (earlier.size, later.size) == (11, 20)
    assert genuine(earlier) and genuine(later)
    assert merkle.inclusion_verify(
        index=leaf.position,
        size=earlier.size,
        leaf=bytes.fromhex(leaf.hash),
        proof=inclusion,
        root=bytes.fromhex(earlier.root),
    )
    assert not merkle.inclusion_verify(
        index=leaf.position + 1,
        size=earlier.size,
        leaf=bytes.fromhex(leaf.hash),
        proof=inclusion,
        root=bytes.fromhex(earlier.root),
    )
    assert merkle.consistency_verify(
        first=earlier.size,
        second=later.size,
        first_root=bytes.fromhex(earlier.root),
        second_root=bytes.fromhex(later.root),
        proof=consistency,
    )


# The verifier run as someone outside would: a bare interpreter with this repository's
# archive modules and no configuration; it reports what of Django or govsocial it loaded.
OFFLINE = (
    "import sys; from archive.proofs import main; code = main(sys.argv[1:]);"
    " print('loaded:', sorted({m.split('.')[0] for m in sys.modules} & {'django', 'govsocial'}));"
    " sys.exit(code)"
)


def offline(document: dict[str, Any], key: str, tmp_path: Path) -> str:
    """Check ``document`` with the standalone verifier; return what it says."""
    path = tmp_path / f"proof-{uuid.uuid4().hex}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    answer = subprocess.run(  # noqa: S603
        [sys.executable, "-c", OFFLINE, str(path), "--public-key", key],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert "loaded: []" in answer.stdout, answer.stdout + answer.stderr
    return answer.stdout


def test_proofs_hold_offline_with_nothing_but_the_public_key(
    agency: Agency, tmp_path: Path
) -> None:
    events = [record(agency, f"test.{n}") for n in range(6)]
    with agency_scope(agency.pk), transaction.atomic():
        earlier = head_sign(agency_id=agency.pk)
    record(agency, "test.later")
    with agency_scope(agency.pk), transaction.atomic():
        later = head_sign(agency_id=agency.pk)
        inclusion = inclusion_document(event=events[4], head=earlier)
        consistency = consistency_document(first=earlier, second=later)
    key = public_key_text(signing_key().public_key())
    other_key = public_key_text(Ed25519PrivateKey.generate().public_key())

    assert offline(inclusion, key, tmp_path).startswith("holds")
    assert offline(consistency, key, tmp_path).startswith("holds")
    assert "the head names another key" in offline(inclusion, other_key, tmp_path)
    forged = copy.deepcopy(inclusion)
    forged["entry"]["verb"] = "test.forged"
    assert "the event is not at that position of the signed log" in offline(forged, key, tmp_path)
    forged = copy.deepcopy(inclusion)
    forged["event_content"]["data"] = {"said": "something else"}
    assert "the event's content is not the one its entry commits to" in offline(
        forged, key, tmp_path
    )
    forged = copy.deepcopy(consistency)
    forged["second"]["size"] += 1
    assert "the head's signature does not hold" in offline(forged, key, tmp_path)
    forged = copy.deepcopy(consistency)
    forged["proof"] = forged["proof"][::-1]
    assert "the later head does not extend the earlier one" in offline(forged, key, tmp_path)
