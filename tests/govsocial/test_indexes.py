"""Every index is kept up to date by every write to its table: none of ours may repeat
what another index of the same table already answers."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "approvals", "archive", "inbox", "notifications", "publishing")
# Declared by a library rather than by us: the member of django-guardian's object
# permission (``publishing.SocialAccountPublisher``).
NOT_OURS = {("publishing_socialaccountpublisher", "user_id")}

# Plain indexes of one column (not unique, not partial, not of an expression) with
# another index of the same table, not partial, whose first column it is.
REPEATED_STARTS = """
SELECT t.relname, a.attname, i.relname, other.relname
FROM pg_index AS one
JOIN pg_class AS i ON i.oid = one.indexrelid
JOIN pg_class AS t ON t.oid = one.indrelid
JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = one.indkey[0]
JOIN pg_index AS longer
  ON longer.indrelid = one.indrelid AND longer.indexrelid <> one.indexrelid
  AND longer.indkey[0] = one.indkey[0] AND longer.indnatts > 1 AND longer.indpred IS NULL
JOIN pg_class AS other ON other.oid = longer.indexrelid
WHERE one.indnatts = 1 AND NOT one.indisunique AND one.indpred IS NULL
  AND one.indexprs IS NULL AND t.relname = ANY(%s)
ORDER BY 1, 2, 4
"""


def test_no_index_of_one_column_repeats_the_start_of_another() -> None:
    tables = [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model._meta.proxy
    ]
    with connection.cursor() as cursor:
        cursor.execute(REPEATED_STARTS, [tables])
        repeated = [row for row in cursor.fetchall() if (row[0], row[1]) not in NOT_OURS]
    assert repeated == []
