"""The Records search is answered beside the log as a whole: words, person, action and
days, ordered and cut there, so that only a page's events are read.

Migration 0011 put each event's words beside the log; a search still read every event
its words matched (thousands) for its date, to order the page, and again to count them,
and finding a person read every event of the agency (row-level security keeps
PostgreSQL from testing ``LIKE`` before the events' policy, and each row's data had to
be taken apart). Now the sequencer also writes, beside each event's words, its names
(who acted, what it is about, the citizen's handle and name: folded like the words, one
per line, so that no name is found across two), its time and its action; and
``archive_event_found(query, person, action, since, until, most)`` answers the bound
agency's event ids that match, newest first, at most ``most`` of them (every one when
it is NULL). It replaces ``archive_event_matching``. Erasing an event's content empties
its names with its words.
"""

from importlib import import_module
from typing import Any

from django.db import migrations

from govsocial.tenancy import AGENCY_SETTING

_SEARCH_0011 = import_module("archive.migrations.0011_search_beside_the_log")

# An event's names, as the search finds a person.
NAMES = r"""
CREATE FUNCTION archive_event_names(actor_name text, object_repr text, data jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN public.archive_folded(concat_ws(E'\n', actor_name, object_repr,
    data ->> 'author_handle', data ->> 'author_name'))
"""
COLUMNS = (
    "ALTER TABLE archive_eventsearch ADD COLUMN names text NOT NULL DEFAULT '',"
    " ADD COLUMN occurred_at timestamptz NOT NULL DEFAULT '-infinity',"
    " ADD COLUMN verb text NOT NULL DEFAULT ''"
)
COLUMNS_BACK = (
    "ALTER TABLE archive_eventsearch DROP COLUMN names, DROP COLUMN occurred_at, DROP COLUMN verb"
)

# Like archive_event_matching (migration 0011), which it replaces: the bound agency's
# rows alone, read past the table's policy by its owner; planned afresh for each search
# (EXECUTE), with the words and the person folded once, so that the words' index serves.
FOUND = """
CREATE FUNCTION archive_event_found(
    query text, person text, action text, since timestamptz, until timestamptz,
    most integer
) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found text := 'SELECT event_id FROM public.archive_eventsearch WHERE agency_id = $1';
BEGIN
    IF query IS NOT NULL THEN found := found || ' AND words @@ $2'; END IF;
    IF person IS NOT NULL THEN found := found || ' AND strpos(names, $3) > 0'; END IF;
    IF action IS NOT NULL THEN found := found || ' AND starts_with(verb, $4)'; END IF;
    IF since IS NOT NULL THEN found := found || ' AND occurred_at >= $5'; END IF;
    IF until IS NOT NULL THEN found := found || ' AND occurred_at < $6'; END IF;
    found := found || ' ORDER BY occurred_at DESC, event_id DESC';
    IF most IS NOT NULL THEN found := found || ' LIMIT $7'; END IF;
    RETURN QUERY EXECUTE found
    USING NULLIF(current_setting('govsocial.agency_id', true), '')::bigint,
          websearch_to_tsquery('english'::regconfig, public.archive_folded(query))
          || websearch_to_tsquery('french'::regconfig, public.archive_folded(query)),
          public.archive_folded(person), action, since, until, most;
END
$$
"""
CLOSE_FOUND = (
    "REVOKE ALL ON FUNCTION"
    " archive_event_found(text, text, text, timestamptz, timestamptz, integer) FROM PUBLIC"
)
DROP_FOUND = "DROP FUNCTION archive_event_found"
DROP_MATCHING = "DROP FUNCTION archive_event_matching"

# The erasure as migration 0011 made it, the event's names emptied with its words.
ERASE_CONTENT_BEFORE = _SEARCH_0011.ERASE_CONTENT
ERASED_WORDS = "SET words = public.archive_event_words(e.verb, '', '', '{}'::jsonb)\n"
if ERASED_WORDS not in ERASE_CONTENT_BEFORE:
    raise RuntimeError("migration 0011's erasure is not the one this migration changes")
ERASE_CONTENT = ERASE_CONTENT_BEFORE.replace(
    ERASED_WORDS, ERASED_WORDS.replace(")\n", "),\n        names = ''\n")
)


def placed_events_beside(apps: Any, schema_editor: Any) -> None:
    """Write the names, time and action of every event whose words are indexed."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_agency ORDER BY id")
        for (agency_id,) in cursor.fetchall():
            # The events' policies hold their owner too: bind each agency.
            cursor.execute("SELECT set_config(%s, %s, true)", [AGENCY_SETTING, str(agency_id)])
            cursor.execute(
                "UPDATE archive_eventsearch AS s"
                " SET names = archive_event_names(e.actor_name, e.object_repr, e.data),"
                " occurred_at = e.occurred_at, verb = e.verb"
                " FROM archive_archiveevent AS e WHERE e.id = s.event_id"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0018_package_outdated"),
    ]

    operations = [
        migrations.RunSQL(sql=NAMES, reverse_sql="DROP FUNCTION archive_event_names"),
        migrations.RunSQL(sql=COLUMNS, reverse_sql=COLUMNS_BACK),
        migrations.RunPython(placed_events_beside, migrations.RunPython.noop),
        migrations.RunSQL(sql=[FOUND, CLOSE_FOUND], reverse_sql=DROP_FOUND),
        migrations.RunSQL(
            sql=DROP_MATCHING, reverse_sql=[_SEARCH_0011.MATCHING, _SEARCH_0011.CLOSE_MATCHING]
        ),
        migrations.RunSQL(sql=ERASE_CONTENT, reverse_sql=ERASE_CONTENT_BEFORE),
    ]
