"""Full-text search over the archive's events: a column PostgreSQL keeps from each
event's action, actor, object and the string values of its data, folded (case and the
accents of Latin letters left out, so that "securite" finds "Sécurité") and read as
English and as French, indexed. An erased event's column keeps only its action: the
erasure empties what it was made from."""

from django.db import migrations

# Immutable (a generated column's expression must be): lower() alone would leave
# accented capitals as they are under the C locale.
FOLDED = """
CREATE FUNCTION archive_folded(words text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN lower(translate(
    replace(replace(replace(replace(replace(replace(replace(words,
        'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae'), 'ß', 'ss'), '’', ''''), '‘', ''''),
    'àáâãäåāÀÁÂÃÄÅĀçćčÇĆČèéêëēėęÈÉÊËĒĖĘìíîïīÌÍÎÏĪñńÑŃòóôõöøōÒÓÔÕÖØŌùúûüūÙÚÛÜŪýÿÝŸ',
    'aaaaaaaaaaaaaacccccceeeeeeeeeeeeeeiiiiiiiiiinnnnoooooooooooooouuuuuuuuuuyyyy'
))
"""

COLUMN = f"""
ALTER TABLE archive_archiveevent ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('english'::regconfig,
                archive_folded(verb || ' ' || actor_name || ' ' || object_repr))
    || to_tsvector('french'::regconfig,
                   archive_folded(verb || ' ' || actor_name || ' ' || object_repr))
    || jsonb_to_tsvector('english'::regconfig, archive_folded(data::text)::jsonb, '["string"]')
    || jsonb_to_tsvector('french'::regconfig, archive_folded(data::text)::jsonb, '["string"]')
) STORED
"""


class Migration(migrations.Migration):

    dependencies = [
        ("archive", "0005_head_timestamps"),
    ]

    operations = [
        migrations.RunSQL(sql=FOLDED, reverse_sql="DROP FUNCTION archive_folded(text)"),
        migrations.RunSQL(
            sql=COLUMN, reverse_sql="ALTER TABLE archive_archiveevent DROP COLUMN search"
        ),
        migrations.RunSQL(
            sql="CREATE INDEX archive_event_search ON archive_archiveevent USING gin (search)",
            reverse_sql="DROP INDEX archive_event_search",
        ),
    ]
