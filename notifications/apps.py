from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # What the archive erases or restricts of a person's words, notifications stop
        # repeating.
        from archive.signals import records_erased, records_restricted
        from notifications.services import notifications_erase, notifications_restrict

        records_erased.connect(notifications_erase, dispatch_uid="notifications.erase")
        records_restricted.connect(notifications_restrict, dispatch_uid="notifications.restrict")
