from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # What the archive erases of a person's words, notifications stop repeating.
        from archive.signals import records_erased
        from notifications.services import notifications_erase

        records_erased.connect(notifications_erase, dispatch_uid="notifications.erase")
