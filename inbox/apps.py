from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"

    def ready(self) -> None:
        # What the archive erases of an item, the inbox erases of its own copy.
        from archive.signals import records_erased
        from inbox.erasure import items_erase

        records_erased.connect(items_erase, dispatch_uid="inbox.items_erase")
