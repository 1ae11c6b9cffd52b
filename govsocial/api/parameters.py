"""Query parameters every list reads the same way: ids and yes-or-no filters, refused
with a problem naming the parameter when they are not one."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.request import Request

from govsocial.api.exceptions import InvalidParameter

# The largest id PostgreSQL's bigint holds: a larger one names nothing.
LARGEST_ID = 2**63 - 1
# An id as the schema describes a query parameter that takes one.
AN_ID = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}


def id_param(request: Request, name: str) -> int | None:
    """Return the id the query parameter ``name`` gives, or None without it."""
    value = request.query_params.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and 0 < int(value) <= LARGEST_ID):
        raise InvalidParameter(name, _("“%(name)s” takes an id (a whole number).") % {"name": name})
    return int(value)


def bool_param(request: Request, name: str) -> bool:
    """Return the yes or no the query parameter ``name`` gives (no without it)."""
    value = request.query_params.get(name, "").lower()
    if value in ("", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise InvalidParameter(name, _("“%(name)s” takes true or false.") % {"name": name})
