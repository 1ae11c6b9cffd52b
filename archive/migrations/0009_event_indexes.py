"""Indexes of each agency's events by the thing they are about and by the conversation
they belong to: a record's history and conversation, and a package's pages, read them
so. Built concurrently (``_indexes.built_concurrently``)."""

from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.fields.json import KeyTransform

from archive.migrations._indexes import built_concurrently

INDEXES = {
    "archive_event_object": "(agency_id, object_type, object_id, id)",
    "archive_event_conversation": "(agency_id, (data -> 'network'), (data -> 'thread'))"
    " WHERE data ? 'thread'",
}


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
            database_operations=[built_concurrently("archive_archiveevent", INDEXES)],
        ),
    ]
