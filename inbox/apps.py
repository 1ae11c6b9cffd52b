from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"

    def ready(self) -> None:
        # What the archive erases or restricts of an item, the inbox does to its own copy.
        from archive.signals import records_erased, records_restricted
        from inbox import overview  # noqa: F401  (its parts of the agency overview)
        from inbox.personal_data import items_erase, items_restrict

        records_erased.connect(items_erase, dispatch_uid="inbox.items_erase")
        records_restricted.connect(items_restrict, dispatch_uid="inbox.items_restrict")
