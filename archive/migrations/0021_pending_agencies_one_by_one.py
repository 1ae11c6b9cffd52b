"""The sequencer's question "which agencies have events to place?" is asked of each
agency in turn: its last placed event (by its last leaf, then by id), then whether one
event after it waits, each through its index. Asked as one join, inside the function
(where the tables' row security adds its condition) the planner hashed the whole log
twice on every poll, four times a second, however fresh the statistics. There, too, the
policies' condition keeps the row comparison ``(txid, id) > (…)`` out of the index: the
transaction bound beside it is what the index is searched by."""

from django.db import migrations

PENDING_AGENCIES = """
CREATE OR REPLACE FUNCTION archive_pending_agencies()
RETURNS TABLE (agency_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    horizon bigint := pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
    placed_txid bigint;
    placed_id bigint;
BEGIN
    FOR agency_id IN SELECT a.id FROM public.accounts_agency AS a ORDER BY a.id LOOP
        SELECT e.txid, e.id INTO placed_txid, placed_id
        FROM public.archive_archiveevent AS e
        WHERE e.id = (
            SELECT l.event_id FROM public.archive_archiveleaf AS l
            WHERE l.agency_id = archive_pending_agencies.agency_id
            ORDER BY l.position DESC
            LIMIT 1
        );
        IF EXISTS (
            SELECT 1 FROM public.archive_archiveevent AS e
            WHERE e.agency_id = archive_pending_agencies.agency_id
              AND e.txid >= COALESCE(placed_txid, -1)
              AND (e.txid, e.id) > (COALESCE(placed_txid, -1), COALESCE(placed_id, 0))
              AND e.txid < horizon
        ) THEN
            RETURN NEXT;
        END IF;
    END LOOP;
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0020_person_found_by_name_parts"),
    ]

    # Going back leaves this body: it answers the same.
    operations = [migrations.RunSQL(sql=PENDING_AGENCIES, reverse_sql=migrations.RunSQL.noop)]
