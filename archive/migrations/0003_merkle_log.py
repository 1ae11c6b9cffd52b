"""Each agency's hash chain becomes a Merkle tree.

Every event keeps its row and its place: the chain's event ``n`` is the log's leaf
``n - 1``, its content committed to through a fresh salt. The chain is checked first,
as its last step was (``sequence``, ``prev_hash``, ``hash``), and what the check found
is the log's next event, ``archive.chain_migrated``: how many events, the hash the
chain ended in, whether it held, and every head signed over the chain, verbatim. That
event is in the tree like any other, so the next signed head covers the chain's proof.
The chain's heads (their roots were chain hashes, which a tree has not) go with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Func
from django.db.models.functions import Cast

from archive.entries import commitment, event_leaf, new_salt, utc_text
from archive.merkle import Frontier
from archive.migrations._append_only import refused_changes
from govsocial.tenancy import agency_row_security

# The chain as 0001 defined it: the fields its hashes covered, and how.
CHAINED_FIELDS = (
    "agency_id", "sequence", "occurred_at", "actor_type", "actor_id", "actor_name", "verb",
    "object_type", "object_id", "object_repr", "ip_address", "user_agent", "request_id",
    "data", "prev_hash",
)  # fmt: skip
GENESIS_HASH = "0" * 64


def chain_hash(row: dict[str, Any]) -> str:
    document = {name: row[name] for name in CHAINED_FIELDS}
    document["occurred_at"] = utc_text(row["occurred_at"])
    return hashlib.sha256(
        json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    ).hexdigest()


def chain_problem(rows: list[dict[str, Any]]) -> str:
    """Return where the chain does not hold, as 0001's check named it, or ""."""
    previous = GENESIS_HASH
    for expected, row in enumerate(rows, start=1):
        if row["sequence"] != expected:
            return f"event {expected} is missing"
        if row["prev_hash"] != previous:
            return f"event {expected} does not follow the previous event"
        if chain_hash(row) != row["hash"]:
            return f"event {expected}'s content does not match its hash"
        previous = row["hash"]
    return ""


def _rows(cursor: Any, query: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor.execute(query, params)
    names = [column.name for column in cursor.description]
    return [_decoded(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    # Django has PostgreSQL hand JSON over as text, for its fields to decode.
    if isinstance(row.get("data"), str):
        row["data"] = json.loads(row["data"])
    return row


def chains_to_trees(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        # Checked as each row is written, so that no check is left pending when the
        # columns of the chain are dropped after.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE archive_archiveevent DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE archive_archivehead DISABLE TRIGGER USER")
        cursor.execute("SELECT id FROM accounts_agency ORDER BY id")
        for (agency_id,) in cursor.fetchall():
            # The tables hold their owner to the policies too: bind each agency.
            cursor.execute("SELECT set_config('govsocial.agency_id', %s, true)", [str(agency_id)])
            _chain_to_tree(cursor, agency_id)
        cursor.execute("ALTER TABLE archive_archivehead ENABLE TRIGGER USER")
        cursor.execute("ALTER TABLE archive_archiveevent ENABLE TRIGGER USER")


def _chain_to_tree(cursor: Any, agency_id: int) -> None:
    rows = _rows(
        cursor,
        "SELECT * FROM archive_archiveevent WHERE agency_id = %s ORDER BY sequence",
        [agency_id],
    )
    heads = _rows(
        cursor,
        "SELECT origin, size, root, signed_at, key_id, signature FROM archive_archivehead"
        " WHERE agency_id = %s ORDER BY signed_at",
        [agency_id],
    )
    if not rows and not heads:
        return
    problem = chain_problem(rows)
    proof = {
        "events": len(rows),
        "chain_end": rows[-1]["hash"] if rows else GENESIS_HASH,
        "chain_check": f"broken: {problem}" if problem else "intact",
        "heads": [
            head | {"signed_at": utc_text(head["signed_at"])} for head in heads
        ],
    }
    cursor.execute(
        "INSERT INTO archive_archiveevent (agency_id, sequence, occurred_at, actor_type,"
        " actor_id, actor_name, verb, object_type, object_id, object_repr, ip_address,"
        " user_agent, request_id, data, prev_hash, hash, salt, commitment)"
        " VALUES (%s, %s, %s, 'system', '', 'system', 'archive.chain_migrated', '', '', '',"
        " '', '', '', %s::jsonb, '', '', '', '') RETURNING *",
        [agency_id, len(rows) + 1, dt.datetime.now(dt.UTC), json.dumps(proof)],
    )
    names = [column.name for column in cursor.description]
    rows.append(_decoded(dict(zip(names, cursor.fetchone(), strict=True))))
    frontier = Frontier()
    for position, row in enumerate(rows):
        salt = new_salt()
        committed = commitment(row, salt=salt)
        leaf = event_leaf(row, commitment=committed)
        cursor.execute(
            "UPDATE archive_archiveevent SET salt = %s, commitment = %s, txid = 0 WHERE id = %s",
            [salt, committed, row["id"]],
        )
        cursor.execute(
            "INSERT INTO archive_archiveleaf (agency_id, position, event_id, hash)"
            " VALUES (%s, %s, %s, %s)",
            [agency_id, position, row["id"], leaf],
        )
        for (level, index), node in frontier.append(bytes.fromhex(leaf))[1:]:
            cursor.execute(
                "INSERT INTO archive_archivesubtree (agency_id, level, index, hash)"
                " VALUES (%s, %s, %s, %s)",
                [agency_id, level, index, node.hex()],
            )
    cursor.execute("DELETE FROM archive_archivehead WHERE agency_id = %s", [agency_id])


# The sequencers' one read across agencies, made like publishing_due_tickets (see
# publishing 0010): a policy that opens the two tables only inside a SECURITY DEFINER
# function, and the function, which answers with agency ids only: those with events
# after the last one placed in their log whose transactions, and every one begun
# before, have ended.
DOOR_POLICIES = [
    f"CREATE POLICY sequencer_read ON {table} FOR SELECT TO CURRENT_USER"
    " USING (current_user <> session_user)"
    for table in ("archive_archiveevent", "archive_archiveleaf")
]
PENDING_AGENCIES = """
CREATE FUNCTION archive_pending_agencies()
RETURNS TABLE (agency_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.id
    FROM public.accounts_agency AS a
    LEFT JOIN LATERAL (
        SELECT e.txid, e.id
        FROM public.archive_archiveleaf AS l
        JOIN public.archive_archiveevent AS e ON e.id = l.event_id
        WHERE l.agency_id = a.id
        ORDER BY l.position DESC
        LIMIT 1
    ) AS placed ON true
    WHERE EXISTS (
        SELECT 1 FROM public.archive_archiveevent AS e
        WHERE e.agency_id = a.id
          AND (e.txid, e.id) > (COALESCE(placed.txid, -1), COALESCE(placed.id, 0))
          AND e.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
    )
$$
"""
CLOSE_DOOR = "REVOKE ALL ON FUNCTION archive_pending_agencies() FROM PUBLIC"

# Erasure, the one change an event may undergo: its content and salt emptied, nothing
# else touched, by archive_erase_content (which says which event it erases) and by no
# other statement, the owner's included. The leaf commits to the content only through
# the commitment, which stays: the log and every proof hold as they were.
EVENT_TRIGGER = """
CREATE FUNCTION archive_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('govsocial.erasing', true) = OLD.id::text
       AND (NEW.id, NEW.agency_id, NEW.occurred_at, NEW.actor_type, NEW.actor_id, NEW.verb,
            NEW.object_type, NEW.object_id, NEW.request_id, NEW.commitment, NEW.txid)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.agency_id, OLD.occurred_at, OLD.actor_type, OLD.actor_id, OLD.verb,
            OLD.object_type, OLD.object_id, OLD.request_id, OLD.commitment, OLD.txid)
       AND NEW.actor_name = '' AND NEW.object_repr = '' AND NEW.ip_address = ''
       AND NEW.user_agent = '' AND NEW.data = '{}'::jsonb AND NEW.salt = ''
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the archive is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
EVENT_TRIGGERS = [
    "DROP TRIGGER archive_refuse_update_delete ON archive_archiveevent",
    "CREATE TRIGGER archive_refuse_update_delete BEFORE UPDATE OR DELETE ON"
    " archive_archiveevent FOR EACH ROW EXECUTE FUNCTION archive_event_refuse_change()",
]
# Called by the app role, in its agency's scope: the table's policies hold the owner to
# the bound agency's events. Returns whether the event had content left to erase.
ERASE_CONTENT = """
CREATE FUNCTION archive_erase_content(event_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    erased integer;
BEGIN
    PERFORM set_config('govsocial.erasing', event_id::text, true);
    UPDATE public.archive_archiveevent
    SET actor_name = '', object_repr = '', ip_address = '', user_agent = '',
        data = '{}'::jsonb, salt = ''
    WHERE id = event_id AND salt <> '';
    GET DIAGNOSTICS erased = ROW_COUNT;
    PERFORM set_config('govsocial.erasing', '', true);
    RETURN erased > 0;
END
$$
"""
CLOSE_ERASURE = "REVOKE ALL ON FUNCTION archive_erase_content(bigint) FROM PUBLIC"


TRANSACTION_ID = Cast(
    Cast(Func(function="pg_current_xact_id", output_field=models.TextField()), models.TextField()),
    models.BigIntegerField(),
)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_idempotency_keys'),
        ('archive', '0002_signed_heads'),
    ]

    operations = [
        # An address is kept as the request gave it, text, rather than as PostgreSQL
        # renders an inet (which may differ from what was hashed).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='archiveevent',
                    name='ip_address',
                    field=models.CharField(blank=True, max_length=45, verbose_name='IP address'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE archive_archiveevent ALTER COLUMN ip_address"
                    " TYPE varchar(45) USING COALESCE(host(ip_address), ''),"
                    " ALTER COLUMN ip_address SET NOT NULL",
                    reverse_sql=migrations.RunSQL.noop,
                ),
            ],
        ),
        migrations.AddField(
            model_name='archiveevent',
            name='salt',
            field=models.CharField(blank=True, default='', max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='archiveevent',
            name='commitment',
            field=models.CharField(default='', max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='archiveevent',
            name='txid',
            field=models.BigIntegerField(db_default=TRANSACTION_ID, editable=False),
        ),
        migrations.CreateModel(
            name='ArchiveLeaf',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.BigIntegerField(verbose_name='position')),
                ('hash', models.CharField(max_length=64)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='archive.archiveevent')),
            ],
            options={
                'verbose_name': 'log leaf',
                'verbose_name_plural': 'log leaves',
                'ordering': ['agency_id', 'position'],
                'constraints': [models.UniqueConstraint(fields=('agency', 'position'), name='archive_leaf_position')],
            },
        ),
        migrations.CreateModel(
            name='ArchiveSubtree',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.SmallIntegerField()),
                ('index', models.BigIntegerField()),
                ('hash', models.CharField(max_length=64)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
            ],
            options={
                'verbose_name': 'log subtree',
                'verbose_name_plural': 'log subtrees',
                'ordering': ['agency_id', 'level', 'index'],
                'constraints': [models.UniqueConstraint(fields=('agency', 'level', 'index'), name='archive_subtree_place'), models.CheckConstraint(condition=models.Q(('level__gte', 1)), name='archive_subtree_level')],
            },
        ),
        agency_row_security("archive_archiveleaf"),
        agency_row_security("archive_archivesubtree"),
        refused_changes("archive_archiveleaf"),
        refused_changes("archive_archivesubtree"),
        migrations.RunPython(chains_to_trees, elidable=False),
        migrations.AlterModelOptions(
            name='archiveevent',
            options={'ordering': ['agency_id', 'id'], 'verbose_name': 'archive event', 'verbose_name_plural': 'archive events'},
        ),
        migrations.RemoveConstraint(
            model_name='archiveevent',
            name='archive_event_sequence',
        ),
        migrations.RemoveField(model_name='archiveevent', name='sequence'),
        migrations.RemoveField(model_name='archiveevent', name='prev_hash'),
        migrations.RemoveField(model_name='archiveevent', name='hash'),
        migrations.AddIndex(
            model_name='archiveevent',
            index=models.Index(fields=['agency', 'txid', 'id'], name='archive_event_order'),
        ),
        migrations.RunSQL(
            sql=[
                *DOOR_POLICIES,
                PENDING_AGENCIES,
                CLOSE_DOOR,
                EVENT_TRIGGER,
                *EVENT_TRIGGERS,
                ERASE_CONTENT,
                CLOSE_ERASURE,
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='archivehead',
            name='root',
            field=models.CharField(max_length=64, verbose_name='root'),
        ),
    ]
