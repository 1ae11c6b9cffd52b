"""A search beside the log walks an agency's events by time.

``archive_event_found`` orders what it finds newest first, and a search may name days:
with only the words' and the names' indexes, a page of a common word read every event
the word matched (51,000 in a year of a million events) to order them for its first 50,
and a word within a month read the whole table (up to a second a page on a warm cache,
and more on a cold cache). Indexed by agency and time, newest first, a page of a common
word is the newest events read in order until the page is full, and days narrow the
words' index to the events in them. Built concurrently, so that the sequencer is not
held meanwhile.

The search itself runs without the just-in-time compiler: a search the indexes narrow
little is estimated dear enough to be compiled (on servers built with it), and the
compiling cost more than the reading (15 to 20 ms a query, two or three queries a page).
"""

from importlib import import_module

from django.db import migrations

from archive.migrations._indexes import built_concurrently

_FOUND = import_module("archive.migrations.0020_person_found_by_name_parts")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("archive", "0021_pending_agencies_one_by_one"),
    ]

    operations = [
        built_concurrently(
            "archive_eventsearch",
            {"archive_eventsearch_when": "(agency_id, occurred_at DESC, event_id DESC)"},
        ),
        migrations.RunSQL(
            sql=f"ALTER FUNCTION {_FOUND.SIGNATURE} SET jit = off",
            reverse_sql=f"ALTER FUNCTION {_FOUND.SIGNATURE} RESET jit",
        ),
    ]
