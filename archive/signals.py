"""What the archive tells the apps: ``records_erased`` is sent inside the transaction that
erased records' content (a subject's erasure, a disposition), with ``agency_id`` and
``objects``, the (object type, object id) pairs those records were about, so that an app
keeping its own copy of what they said (the inbox's items) erases it in the same
transaction. The archive imports no app; apps connect here."""

from django.dispatch import Signal

records_erased = Signal()
