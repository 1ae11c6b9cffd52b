"""A person is found through an index, and a search is counted without being ordered.

The names of the events placed beside the log are indexed by every ending of every word
of them (``archive_name_parts``; "okafor12" gives "okafor12", "kafor12", … "2").
Whatever part of a name a person's search gives, each of its words begins one of those
endings, so the index finds every event the search could name (and a few more, which the
search's own test of the names then leaves out) rather than every event of the agency
being read. The endings are in the index alone: a column holding them would widen every
row a search by words reads. ``archive_event_found`` gains ``newest_first``: false
leaves the ids unordered, for a count that stops at its most (ordering them first read
every one found).
"""

from importlib import import_module

from django.db import migrations

_FOUND_0019 = import_module("archive.migrations.0019_search_whole_beside_the_log")

PARTS = r"""
CREATE FUNCTION archive_name_parts(names text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN array_to_tsvector(ARRAY(
    SELECT DISTINCT substr(word, start)
    FROM unnest(regexp_split_to_array(names, '[^[:alnum:]]+')) AS word,
        generate_series(1, length(word)) AS start
    WHERE word <> ''
))
"""
INDEX = (
    "CREATE INDEX archive_eventsearch_name_parts ON archive_eventsearch"
    " USING gin (public.archive_name_parts(names))"
)

# As migration 0019's, with the person's words found in the index of name parts before
# the names are read, and the order asked for.
FOUND = """
CREATE FUNCTION archive_event_found(
    query text, person text, action text, since timestamptz, until timestamptz,
    most integer, newest_first boolean
) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found text := 'SELECT event_id FROM public.archive_eventsearch WHERE agency_id = $1';
    named text := public.archive_folded(person);
    parts tsquery := (
        SELECT string_agg(quote_literal(word) || ':*', ' & ')::tsquery
        FROM unnest(regexp_split_to_array(named, '[^[:alnum:]]+')) AS word
        WHERE word <> ''
    );
BEGIN
    IF query IS NOT NULL THEN found := found || ' AND words @@ $2'; END IF;
    IF parts IS NOT NULL THEN
        found := found || ' AND public.archive_name_parts(names) @@ $8';
    END IF;
    IF person IS NOT NULL THEN found := found || ' AND strpos(names, $3) > 0'; END IF;
    IF action IS NOT NULL THEN found := found || ' AND starts_with(verb, $4)'; END IF;
    IF since IS NOT NULL THEN found := found || ' AND occurred_at >= $5'; END IF;
    IF until IS NOT NULL THEN found := found || ' AND occurred_at < $6'; END IF;
    IF newest_first THEN found := found || ' ORDER BY occurred_at DESC, event_id DESC'; END IF;
    IF most IS NOT NULL THEN found := found || ' LIMIT $7'; END IF;
    RETURN QUERY EXECUTE found
    USING NULLIF(current_setting('govsocial.agency_id', true), '')::bigint,
          websearch_to_tsquery('english'::regconfig, public.archive_folded(query))
          || websearch_to_tsquery('french'::regconfig, public.archive_folded(query)),
          named, action, since, until, most, parts;
END
$$
"""
SIGNATURE = "archive_event_found(text, text, text, timestamptz, timestamptz, integer, boolean)"
CLOSE_FOUND = f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC"
DROP_FOUND_0019 = (
    "DROP FUNCTION archive_event_found(text, text, text, timestamptz, timestamptz, integer)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0019_search_whole_beside_the_log"),
    ]

    operations = [
        migrations.RunSQL(sql=PARTS, reverse_sql="DROP FUNCTION archive_name_parts"),
        migrations.RunSQL(sql=INDEX, reverse_sql="DROP INDEX archive_eventsearch_name_parts"),
        migrations.RunSQL(
            sql=DROP_FOUND_0019, reverse_sql=[_FOUND_0019.FOUND, _FOUND_0019.CLOSE_FOUND]
        ),
        migrations.RunSQL(sql=[FOUND, CLOSE_FOUND], reverse_sql=f"DROP FUNCTION {SIGNATURE}"),
    ]
