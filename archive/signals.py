"""What the archive tells the apps, inside the transaction that did it, so that an app
keeping its own copy of what records were about (the inbox's items) does the same:

- ``records_erased``: records' content was erased (a person's request, a disposition);
  with ``agency_id`` and ``objects``, the (object type, object id) pairs they were about.
- ``records_restricted``: the processing of what records were about was restricted at a
  person's request (GDPR Art. 18), or that restriction lifted; with ``agency_id``,
  ``objects``, ``under`` (the request's number) and ``lifted``.

The archive imports no app; apps connect here."""

from django.dispatch import Signal

records_erased = Signal()
records_restricted = Signal()
