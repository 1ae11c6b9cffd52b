"""Kept content whose every record was erased goes too: the content each placed event names
is indexed beside the log (``archive_contentuse``, written by the sequencer as the words
are; the app role may only insert its bound agency's rows), and
``archive_content_unused(event_ids)`` answers which of the content those events named no
event still holding its content names (``archive_content_unnamed(digests)``, which of
those hashes). A file deleted so is explained by a row of ``ArchiveContentErasure``
(append-only).
"""

from typing import Any

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

from archive.migrations._append_only import refused_changes
from govsocial.tenancy import AGENCY_SETTING, agency_row_security

BOUND_AGENCY = f"NULLIF(current_setting('{AGENCY_SETTING}', true), '')::bigint"
# The content an event names: a string of 64 hex digits in its data that the agency
# keeps (``archive.records`` reads the data so too).
NAMED = (
    " FROM archive_archiveevent AS e"
    " CROSS JOIN LATERAL regexp_matches(e.data::text, '\"([0-9a-f]{64})\"', 'g') AS m"
    " JOIN archive_archivecontent AS c ON c.agency_id = e.agency_id AND c.sha256 = m[1]"
)
TABLE = [
    "CREATE TABLE archive_contentuse ("
    " event_id bigint NOT NULL, agency_id bigint NOT NULL, sha256 varchar(64) NOT NULL,"
    " PRIMARY KEY (event_id, sha256))",
    "CREATE INDEX archive_contentuse_content ON archive_contentuse (agency_id, sha256)",
    # As the words beside the log: enabled, not forced; the app role inserts its bound
    # agency's rows and reads none.
    "ALTER TABLE archive_contentuse ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY agency_insert ON archive_contentuse FOR INSERT"
    f" WITH CHECK (agency_id = {BOUND_AGENCY})",
    "REVOKE ALL ON archive_contentuse FROM PUBLIC",
]
UNUSED = """
CREATE FUNCTION archive_content_unused(event_ids bigint[]) RETURNS SETOF varchar
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT DISTINCT u.sha256 FROM public.archive_contentuse AS u
    WHERE u.agency_id = NULLIF(current_setting('govsocial.agency_id', true), '')::bigint
    AND u.event_id = ANY(event_ids)
    AND NOT EXISTS (
        SELECT 1 FROM public.archive_contentuse AS other
        JOIN public.archive_archiveevent AS e ON e.id = other.event_id
        WHERE other.agency_id = u.agency_id AND other.sha256 = u.sha256 AND e.salt <> ''
    )
$$
"""
CLOSE_UNUSED = "REVOKE ALL ON FUNCTION archive_content_unused(bigint[]) FROM PUBLIC"
# Which of ``digests`` no event still holding its content names.
UNNAMED = """
CREATE FUNCTION archive_content_unnamed(digests varchar[]) RETURNS SETOF varchar
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT d.sha256 FROM unnest(digests) AS d(sha256)
    WHERE NOT EXISTS (
        SELECT 1 FROM public.archive_contentuse AS u
        JOIN public.archive_archiveevent AS e ON e.id = u.event_id
        WHERE u.agency_id = NULLIF(current_setting('govsocial.agency_id', true), '')::bigint
        AND u.sha256 = d.sha256 AND e.salt <> ''
    )
$$
"""
CLOSE_UNNAMED = "REVOKE ALL ON FUNCTION archive_content_unnamed(varchar[]) FROM PUBLIC"


def uses_of_placed_events(apps: Any, schema_editor: Any) -> None:
    """Index the content every event already in its log names."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_agency ORDER BY id")
        for (agency_id,) in cursor.fetchall():
            # The events' policies hold their owner too: bind each agency.
            cursor.execute("SELECT set_config(%s, %s, true)", [AGENCY_SETTING, str(agency_id)])
            cursor.execute(
                "INSERT INTO archive_contentuse (event_id, agency_id, sha256)"
                " SELECT DISTINCT e.id, e.agency_id, c.sha256"
                + NAMED
                + " JOIN archive_archiveleaf AS l ON l.event_id = e.id"
            )




class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_idempotency_keys'),
        ('archive', '0013_retention'),
    ]

    operations = [
        migrations.CreateModel(
            name='ArchiveContentErasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sha256', models.CharField(max_length=64)),
                ('erased_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='erased at')),
                ('reason', models.TextField(verbose_name='why')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.agency')),
            ],
            options={
                'verbose_name': 'erased content',
                'verbose_name_plural': 'erased content',
                'indexes': [models.Index(fields=['agency', 'sha256'], name='archive_content_erased')],
            },
        ),
        agency_row_security("archive_archivecontenterasure"),
        refused_changes("archive_archivecontenterasure"),
        migrations.RunSQL(sql=TABLE, reverse_sql="DROP TABLE archive_contentuse"),
        migrations.RunPython(uses_of_placed_events, migrations.RunPython.noop),
        migrations.RunSQL(
            sql=[UNUSED, CLOSE_UNUSED], reverse_sql="DROP FUNCTION archive_content_unused"
        ),
        migrations.RunSQL(
            sql=[UNNAMED, CLOSE_UNNAMED], reverse_sql="DROP FUNCTION archive_content_unnamed"
        ),
    ]
