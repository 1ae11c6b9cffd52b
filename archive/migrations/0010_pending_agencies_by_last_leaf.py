"""The sequencer's question "which agencies have events to place?" finds each agency's
last placed event by its last leaf (the (agency, position) index), then that event by
id, whatever the tables' statistics say: planned as a join on stale ones (a new
agency's first large batch, before autovacuum has looked), the same question walked a
whole log for each row and held the sequencer for minutes."""

from django.db import migrations

PENDING_AGENCIES = """
CREATE OR REPLACE FUNCTION archive_pending_agencies()
RETURNS TABLE (agency_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.id
    FROM public.accounts_agency AS a
    LEFT JOIN LATERAL (
        SELECT e.txid, e.id
        FROM public.archive_archiveevent AS e
        WHERE e.id = (
            SELECT l.event_id FROM public.archive_archiveleaf AS l
            WHERE l.agency_id = a.id
            ORDER BY l.position DESC
            LIMIT 1
        )
    ) AS placed ON true
    WHERE EXISTS (
        SELECT 1 FROM public.archive_archiveevent AS e
        WHERE e.agency_id = a.id
          AND (e.txid, e.id) > (COALESCE(placed.txid, -1), COALESCE(placed.id, 0))
          AND e.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
    )
$$
"""

class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0009_event_indexes"),
    ]

    # Going back leaves this body: it answers the same, on the schema as it was.
    operations = [migrations.RunSQL(sql=PENDING_AGENCIES, reverse_sql=migrations.RunSQL.noop)]
