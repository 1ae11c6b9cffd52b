"""The names each event is about are indexed beside the log with its words.

Finding a person (who acted, what the event is about, the citizen who wrote) read every
event of the agency: row-level security keeps PostgreSQL from testing ``LIKE`` (not
leakproof) before the events' policy, and each row's data had to be taken apart. Now the
sequencer writes each event's names beside its words in ``archive_eventsearch``, folded
(case and the accents of Latin letters left out) and one per line, and
``archive_event_naming(person)`` answers the bound agency's event ids whose names hold
the person's: a read of the words' table, not of the events (no document to take
apart). Erasing an event's content empties its names too.
"""

from importlib import import_module
from typing import Any

from django.db import migrations

from govsocial.tenancy import AGENCY_SETTING

# An event's names, as the search finds a person: who acted, what it is about, and the
# citizen who wrote (their handle and name in its data); folded, one per line, so that
# no name is found across two.
NAMES = r"""
CREATE FUNCTION archive_event_names(actor_name text, object_repr text, data jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN public.archive_folded(concat_ws(E'\n', actor_name, object_repr,
    data ->> 'author_handle', data ->> 'author_name'))
"""
COLUMN = "ALTER TABLE archive_eventsearch ADD COLUMN names text NOT NULL DEFAULT ''"

# Like archive_event_matching (migration 0011): the bound agency's rows alone, read past
# the table's policy by its owner; the person's name folded once (in a plain SQL body it
# was folded again for every row, ten times the cost of reading them).
NAMING = """
CREATE FUNCTION archive_event_naming(person text) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY EXECUTE
        'SELECT event_id FROM public.archive_eventsearch'
        ' WHERE agency_id = $1 AND strpos(names, $2) > 0'
    USING NULLIF(current_setting('govsocial.agency_id', true), '')::bigint,
          public.archive_folded(person);
END
$$
"""
CLOSE_NAMING = "REVOKE ALL ON FUNCTION archive_event_naming(text) FROM PUBLIC"

# The erasure as migration 0011 made it, the event's names emptied with its words.
ERASE_CONTENT_BEFORE = import_module("archive.migrations.0011_search_beside_the_log").ERASE_CONTENT
ERASED_WORDS = "SET words = public.archive_event_words(e.verb, '', '', '{}'::jsonb)\n"
if ERASED_WORDS not in ERASE_CONTENT_BEFORE:
    raise RuntimeError("migration 0011's erasure is not the one this migration changes")
ERASE_CONTENT = ERASE_CONTENT_BEFORE.replace(
    ERASED_WORDS, ERASED_WORDS.replace(")\n", "),\n        names = ''\n")
)


def names_of_placed_events(apps: Any, schema_editor: Any) -> None:
    """Index the names of every event already indexed."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_agency ORDER BY id")
        for (agency_id,) in cursor.fetchall():
            # The events' policies hold their owner too: bind each agency.
            cursor.execute("SELECT set_config(%s, %s, true)", [AGENCY_SETTING, str(agency_id)])
            cursor.execute(
                "UPDATE archive_eventsearch AS s"
                " SET names = archive_event_names(e.actor_name, e.object_repr, e.data)"
                " FROM archive_archiveevent AS e WHERE e.id = s.event_id"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0018_package_outdated"),
    ]

    operations = [
        migrations.RunSQL(sql=NAMES, reverse_sql="DROP FUNCTION archive_event_names"),
        migrations.RunSQL(
            sql=COLUMN, reverse_sql="ALTER TABLE archive_eventsearch DROP COLUMN names"
        ),
        migrations.RunPython(names_of_placed_events, migrations.RunPython.noop),
        migrations.RunSQL(
            sql=[NAMING, CLOSE_NAMING], reverse_sql="DROP FUNCTION archive_event_naming"
        ),
        migrations.RunSQL(sql=ERASE_CONTENT, reverse_sql=ERASE_CONTENT_BEFORE),
    ]
