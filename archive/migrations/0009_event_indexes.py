"""Indexes of each agency's events by the thing they are about and by the conversation
they belong to: a record's history and conversation, and a package's pages, read them
so. Built concurrently, so that the log's writers
are not held while it is built: on the raw connection, as every statement through
Django's runs in a transaction of its own (``govsocial.tenancy.ScopeSetting``), where
PostgreSQL refuses CREATE INDEX CONCURRENTLY."""

from django.db import migrations, models

from django.db.models import F, Q
from django.db.models.fields.json import KeyTransform

INDEXES = {
    "archive_event_object": "(agency_id, object_type, object_id, id)",
    "archive_event_conversation": "(agency_id, (data -> 'network'), (data -> 'thread'))"
    " WHERE data ? 'thread'",
}


def create(apps, schema_editor):
    schema_editor.connection.ensure_connection()
    for name, columns in INDEXES.items():
        schema_editor.connection.connection.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON archive_archiveevent {columns}"
        )


def drop(apps, schema_editor):
    schema_editor.connection.ensure_connection()
    for name in INDEXES:
        schema_editor.connection.connection.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("archive", "0008_export_packages"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="archiveevent",
                    index=models.Index(
                        fields=["agency", "object_type", "object_id", "id"],
                        name="archive_event_object",
                    ),
                ),
                migrations.AddIndex(
                    model_name="archiveevent",
                    index=models.Index(
                        F("agency"),
                        KeyTransform("network", "data"),
                        KeyTransform("thread", "data"),
                        name="archive_event_conversation",
                        condition=Q(data__has_key="thread"),
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
