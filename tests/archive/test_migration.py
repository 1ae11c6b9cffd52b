"""The hash chains of archive 0002 become Merkle logs (archive 0003) without loss: every
event keeps its place, the chain's check and its heads are the log's next event, and
the log verifies. Migrated in a schema of its own, as the tables' owner, as
``migrate`` does."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import psycopg
import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from psycopg.conninfo import conninfo_to_dict

from archive.entries import event_problem
from archive.merkle import Frontier, range_hash, range_subtrees
from govsocial.tenancy import agency_scope

BEFORE = ("archive", "0002_signed_heads")
AFTER = ("archive", "0003_merkle_log")
MIGRATION = import_module("archive.migrations.0003_merkle_log")


@pytest.fixture
def database(django_db_blocker: pytest.FixtureRequest) -> Iterator[BaseDatabaseWrapper]:
    """Yield a connection as the tables' owner to an empty schema of its own."""
    schema = f"migration_{uuid.uuid4().hex[:12]}"
    owner_url = os.environ["DATABASE_OWNER_URL"]
    with psycopg.connect(owner_url, autocommit=True) as owner:
        owner.execute(f"CREATE SCHEMA {schema}")
    login = conninfo_to_dict(owner_url)
    alias = f"owner_{schema}"
    connections.settings[alias] = connections["default"].settings_dict | {
        "USER": login["user"],
        "PASSWORD": login.get("password", ""),
        "OPTIONS": {"options": f"-c search_path={schema}"},
        "CONN_MAX_AGE": 0,
    }
    try:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            yield connections[alias]
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
        with psycopg.connect(owner_url, autocommit=True) as owner:
            owner.execute(f"DROP SCHEMA {schema} CASCADE")


def migrate(database: BaseDatabaseWrapper, target: tuple[str, str]) -> None:
    executor = MigrationExecutor(database)
    executor.migrate([target])


def rows(database: BaseDatabaseWrapper, query: str, params: list[Any]) -> list[dict[str, Any]]:
    with database.cursor() as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def chain_of(database: BaseDatabaseWrapper, agency_id: int, events: int) -> None:
    """Record ``events`` events and a head as archive 0002 did: a chain of hashes."""
    previous = "0" * 64
    with agency_scope(agency_id), database.cursor() as cursor:
        for sequence in range(1, events + 1):
            row = {
                "agency_id": agency_id,
                "sequence": sequence,
                "occurred_at": dt.datetime(2026, 11, 30, 12, sequence, tzinfo=dt.UTC),
                "actor_type": "accounts.user",
                "actor_id": "7",
                "actor_name": "Dana Archivist",
                "verb": "post.published",
                "object_type": "publishing.post",
                "object_id": str(sequence),
                "object_repr": f"Post {sequence}",
                "ip_address": "203.0.113.9",
                "user_agent": "Firefox",
                "request_id": f"req-{sequence}",
                "data": {"n": sequence, "text": "Café ouvert"},
                "prev_hash": previous,
            }
            row["hash"] = previous = MIGRATION.chain_hash(row)
            cursor.execute(
                "INSERT INTO archive_archiveevent (agency_id, sequence, occurred_at, actor_type,"
                " actor_id, actor_name, verb, object_type, object_id, object_repr, ip_address,"
                " user_agent, request_id, data, prev_hash, hash) VALUES (%s, %s, %s, %s, %s,"
                " %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)",
                [*list(row.values())[:13], json.dumps(row["data"]), row["prev_hash"], row["hash"]],
            )
        cursor.execute(
            "INSERT INTO archive_archivehead (agency_id, origin, size, root, signed_at, key_id,"
            " signature) VALUES (%s, 'example.org/archive/1', %s, %s, %s, 'k1', 'sig')",
            [agency_id, events, previous, dt.datetime(2026, 12, 1, tzinfo=dt.UTC)],
        )


def agency(database: BaseDatabaseWrapper, slug: str) -> int:
    """Create an agency as its model stood at ``BEFORE``."""
    model = (
        MigrationExecutor(database)
        .loader.project_state(BEFORE)
        .apps.get_model("accounts", "Agency")
    )
    return int(model.objects.using(database.alias).create(name=slug, slug=slug).pk)


def log_of(database: BaseDatabaseWrapper, agency_id: int) -> list[dict[str, Any]]:
    with agency_scope(agency_id):
        found = rows(
            database,
            "SELECT l.position, l.hash AS leaf, e.* FROM archive_archiveleaf AS l"
            " JOIN archive_archiveevent AS e ON e.id = l.event_id ORDER BY l.position",
            [],
        )
    for row in found:
        row["data"] = json.loads(row["data"])
    return found


def test_chains_become_logs_that_verify_with_the_chains_check_in_them(
    database: BaseDatabaseWrapper,
) -> None:
    migrate(database, BEFORE)
    kept, broken = agency(database, "kept"), agency(database, "broken")
    chain_of(database, kept, 6)
    chain_of(database, broken, 3)
    with agency_scope(broken), database.cursor() as cursor:
        cursor.execute("ALTER TABLE archive_archiveevent DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE archive_archiveevent SET data = '{\"n\": 99}' WHERE agency_id = %s"
            " AND sequence = 2",
            [broken],
        )
        cursor.execute("ALTER TABLE archive_archiveevent ENABLE TRIGGER USER")

    migrate(database, AFTER)

    log = log_of(database, kept)
    assert [row["position"] for row in log] == list(range(7))
    assert [row["object_id"] for row in log[:6]] == [str(n) for n in range(1, 7)]
    assert log[0]["data"] == {"n": 1, "text": "Café ouvert"}
    assert log[0]["ip_address"] == "203.0.113.9"
    proof = log[6]
    assert proof["verb"] == "archive.chain_migrated"
    assert proof["data"]["events"] == 6
    assert proof["data"]["chain_check"] == "intact"
    assert proof["data"]["chain_end"] == proof["data"]["heads"][0]["root"]
    assert proof["data"]["heads"][0]["size"] == 6
    frontier = Frontier()
    for row in log:
        assert event_problem(row, leaf=row["leaf"]) == ""
        frontier.append(bytes.fromhex(row["leaf"]))
    with agency_scope(kept):
        stored = rows(database, "SELECT level, index, hash FROM archive_archivesubtree", [])
        heads = rows(database, "SELECT * FROM archive_archivehead", [])
    subtrees = {(row["level"], row["index"]): bytes.fromhex(row["hash"]) for row in stored} | {
        (0, row["position"]): bytes.fromhex(row["leaf"]) for row in log
    }
    assert range_subtrees(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert range_hash(0, 7, subtrees.__getitem__) == frontier.root()
    assert heads == [], "a chain's heads are kept in its proof, not as heads of the log"

    log = log_of(database, broken)
    assert len(log) == 4, "a broken chain loses nothing either"
    assert log[3]["data"]["chain_check"] == "broken: event 2's content does not match its hash"
