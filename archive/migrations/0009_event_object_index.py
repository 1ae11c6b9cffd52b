"""An index of each agency's events by the thing they are about: a record's history and
a package's conversations read them so. Built concurrently, so that the log's writers
are not held while it is built: on the raw connection, as every statement through
Django's runs in a transaction of its own (``govsocial.tenancy.ScopeSetting``), where
PostgreSQL refuses CREATE INDEX CONCURRENTLY."""

from django.db import migrations, models

INDEX = "archive_event_object"


def create(apps, schema_editor):
    schema_editor.connection.ensure_connection()
    schema_editor.connection.connection.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON archive_archiveevent"
        " (agency_id, object_type, object_id, id)"
    )


def drop(apps, schema_editor):
    schema_editor.connection.ensure_connection()
    schema_editor.connection.connection.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


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
                        fields=["agency", "object_type", "object_id", "id"], name=INDEX
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
