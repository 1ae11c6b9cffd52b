"""Model instances from rows read by SQL written once, as the ORM would have made them:
for the reads every request makes, where building the ORM's statement took longer than
PostgreSQL took to answer it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, models


class ModelColumns:
    """A model's columns under an alias in a statement (``sql``), and the names its
    instances take them by."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        fields = model._meta.concrete_fields
        self.model = model
        self.names = [field.attname for field in fields]
        self.sql = ", ".join(f'{alias}."{field.column}"' for field in fields)


def instances(row: Sequence[Any], *columns: ModelColumns) -> list[Any]:
    """Return the instances of the models whose ``columns`` ``row`` holds one after
    another, None for one whose key is NULL (an outer join that found nothing)."""
    made = []
    start = 0
    for each in columns:
        values = row[start : start + len(each.names)]
        start += len(each.names)
        pk = values[each.names.index(each.model._meta.pk.attname)]
        made.append(
            None if pk is None else each.model.from_db(DEFAULT_DB_ALIAS, each.names, values)
        )
    return made
