"""The words of each event are indexed beside the log rather than in it.

A column generated on every event cost each writer about 0.2 ms of the database's CPU
(most of it folding accents), and row-level security kept its index from ever being
used: PostgreSQL will not test a query's words (``@@``, not leakproof) before a table's
policy, so every search read all of the agency's events. Now the sequencer writes each
event's words in ``archive_eventsearch`` as it places the event in its log; the app
role may only insert there, for its bound agency, and reads it only through
``archive_event_matching(query)``, which answers the bound agency's event ids and no
other (the table's policies do not bind its owner, so the index serves). Erasing an
event's content empties its words too. Folding keeps its meaning (case and the accents
of Latin letters left out) at a tenth of the cost: accents come off as combining marks.
"""

from importlib import import_module
from typing import Any

from django.db import migrations

from govsocial.tenancy import AGENCY_SETTING

_EARLIER = {
    name: import_module(f"archive.migrations.{name}")
    for name in ("0003_merkle_log", "0006_event_search")
}
BOUND_AGENCY = f"NULLIF(current_setting('{AGENCY_SETTING}', true), '')::bigint"

# Immutable (an index's expression must be, and queries fold their words the same way).
# Text without a letter past ASCII only needs lower(); lower() alone would leave
# accented capitals as they are under the C locale.
FOLDED = r"""
CREATE OR REPLACE FUNCTION archive_folded(words text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN words ~ '^[\x01-\x7f]*$' THEN lower(words) ELSE lower(translate(
    regexp_replace(normalize(
        replace(replace(replace(replace(replace(replace(replace(words,
            'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae'), 'ß', 'ss'), '’', ''''), '‘', ''''),
        NFD), '[\u0300-\u036f]', '', 'g'),
    'øØ', 'oo'
)) END
"""
# An event's words: its action, actor and object, and the string values of its data,
# folded, read as English and as French.
WORDS = """
CREATE FUNCTION archive_event_words(verb text, actor_name text, object_repr text, data jsonb)
RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    head text := public.archive_folded(verb || ' ' || actor_name || ' ' || object_repr);
    body jsonb := public.archive_folded(data::text)::jsonb;
BEGIN
    RETURN to_tsvector('english'::regconfig, head) || to_tsvector('french'::regconfig, head)
        || jsonb_to_tsvector('english'::regconfig, body, '["string"]')
        || jsonb_to_tsvector('french'::regconfig, body, '["string"]');
END
$$
"""

# An index of the log, made from it (no foreign key: the log's own checks say when an
# event is missing, and a tampered log must stay possible to examine).
TABLE = [
    "CREATE TABLE archive_eventsearch ("
    " event_id bigint PRIMARY KEY, agency_id bigint NOT NULL, words tsvector NOT NULL)",
    "CREATE INDEX archive_eventsearch_words ON archive_eventsearch USING gin (words)",
    # Enabled, not forced: the app role may insert only its bound agency's rows (and has
    # no grant to read them); the owner, in archive_event_matching alone, reads past it.
    "ALTER TABLE archive_eventsearch ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY agency_insert ON archive_eventsearch FOR INSERT"
    f" WITH CHECK (agency_id = {BOUND_AGENCY})",
    "REVOKE ALL ON archive_eventsearch FROM PUBLIC",
]

# Planned afresh for each query's words (EXECUTE), so that the index serves: a plan made
# once for any words read the whole table for common ones.
MATCHING = """
CREATE FUNCTION archive_event_matching(query text) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY EXECUTE
        'SELECT event_id FROM public.archive_eventsearch WHERE agency_id = $1 AND words @@ $2'
    USING NULLIF(current_setting('govsocial.agency_id', true), '')::bigint,
          websearch_to_tsquery('english'::regconfig, public.archive_folded(query))
          || websearch_to_tsquery('french'::regconfig, public.archive_folded(query));
END
$$
"""
CLOSE_MATCHING = "REVOKE ALL ON FUNCTION archive_event_matching(text) FROM PUBLIC"

# As 0003 made it, and the erased event's words go with its content: its action alone
# stays.
ERASE_CONTENT_BEFORE = _EARLIER["0003_merkle_log"].ERASE_CONTENT.replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
)
ERASE_CONTENT = ERASE_CONTENT_BEFORE.replace(
    "    RETURN erased > 0;",
    """    UPDATE public.archive_eventsearch AS s
    SET words = public.archive_event_words(e.verb, '', '', '{}'::jsonb)
    FROM public.archive_archiveevent AS e
    WHERE s.event_id = archive_erase_content.event_id AND e.id = s.event_id;
    RETURN erased > 0;""",
)

OLD_COLUMN = [
    "DROP INDEX archive_event_search",
    "ALTER TABLE archive_archiveevent DROP COLUMN search",
]
# As 0006 made them.
FOLDED_BEFORE = _EARLIER["0006_event_search"].FOLDED.replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
)
OLD_COLUMN_BACK = [
    _EARLIER["0006_event_search"].COLUMN,
    "CREATE INDEX archive_event_search ON archive_archiveevent USING gin (search)",
]


def words_of_placed_events(apps: Any, schema_editor: Any) -> None:
    """Index the words of every event already in its log."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_agency ORDER BY id")
        for (agency_id,) in cursor.fetchall():
            # The events' policies hold their owner too: bind each agency.
            cursor.execute("SELECT set_config(%s, %s, true)", [AGENCY_SETTING, str(agency_id)])
            cursor.execute(
                "INSERT INTO archive_eventsearch (event_id, agency_id, words)"
                " SELECT e.id, e.agency_id,"
                " archive_event_words(e.verb, e.actor_name, e.object_repr, e.data)"
                " FROM archive_archiveevent AS e"
                " JOIN archive_archiveleaf AS l ON l.event_id = e.id"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0010_pending_agencies_by_last_leaf"),
    ]

    # The column goes first, so that going back makes it again with the folding it had.
    operations = [
        migrations.RunSQL(sql=OLD_COLUMN, reverse_sql=OLD_COLUMN_BACK),
        migrations.RunSQL(sql=FOLDED, reverse_sql=FOLDED_BEFORE),
        migrations.RunSQL(sql=WORDS, reverse_sql="DROP FUNCTION archive_event_words"),
        migrations.RunSQL(sql=TABLE, reverse_sql="DROP TABLE archive_eventsearch"),
        migrations.RunPython(words_of_placed_events, migrations.RunPython.noop),
        migrations.RunSQL(
            sql=[MATCHING, CLOSE_MATCHING], reverse_sql="DROP FUNCTION archive_event_matching"
        ),
        migrations.RunSQL(sql=ERASE_CONTENT, reverse_sql=ERASE_CONTENT_BEFORE),
    ]
